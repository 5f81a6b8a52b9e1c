package dev.cpt.mixing.agent;

/**
 * The agent's reward for one round: the target's relative loss gain minus weighted relative forgetting of the
 * upstream domain and of the other earlier domains, each relative to the slot's loss when the phase began. Summed
 * over a phase the terms telescope, so the return is the phase's target gain minus weighted forgetting.
 *
 * @param upstreamWeight weight of upstream (general) forgetting
 * @param earlierWeight weight of forgetting of the other earlier domains
 */
public record Reward(double upstreamWeight, double earlierWeight) {

    public double of(double[] before, double[] after, double[] start) {
        return gain(before[0], after[0], start[0])
                - upstreamWeight * -gain(before[1], after[1], start[1])
                - earlierWeight * -gain(before[2], after[2], start[2]);
    }

    /** Relative loss decrease, 0 when any of the numbers is missing. */
    private static double gain(double before, double after, double start) {
        if (!Double.isFinite(before) || !Double.isFinite(after) || !(start > 0)) {
            return 0;
        }
        return (before - after) / start;
    }
}

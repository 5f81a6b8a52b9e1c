package dev.cpt.mixing.training;

/**
 * The agent's reward for one round: the target's loss gain minus weighted forgetting of the upstream domain and of
 * the other earlier domains. Summed over a phase the terms telescope, so the return is the phase's target gain minus
 * weighted forgetting.
 *
 * <p>Relative (the default) divides each slot's change by the slot's loss when the phase began, so domains with large
 * and small losses count alike. Absolute keeps nats, which is what a mean held-out loss over domains measures: a nat
 * of an easy domain's forgetting then costs as much as a nat of a hard domain's gain.
 *
 * @param upstreamWeight weight of upstream (general) forgetting
 * @param earlierWeight weight of forgetting of the other earlier domains
 * @param relative whether changes are divided by the slot's loss at phase start
 */
public record Reward(double upstreamWeight, double earlierWeight, boolean relative) {

    public Reward(double upstreamWeight, double earlierWeight) {
        this(upstreamWeight, earlierWeight, true);
    }

    public double of(double[] before, double[] after, double[] start) {
        return of(before, after, start, new double[] {1, 1, 1});
    }

    /** The reward with each slot's change scaled (by how much of it lasts, {@link CarryOver}). */
    public double of(double[] before, double[] after, double[] start, double[] slotScale) {
        return slotScale[0] * gain(before[0], after[0], start[0])
                - upstreamWeight * slotScale[1] * -gain(before[1], after[1], start[1])
                - earlierWeight * slotScale[2] * -gain(before[2], after[2], start[2]);
    }

    /** Loss decrease (relative or in nats), 0 when any of the numbers is missing. */
    private double gain(double before, double after, double start) {
        if (!Double.isFinite(before) || !Double.isFinite(after) || !(start > 0)) {
            return 0;
        }
        return relative ? (before - after) / start : before - after;
    }
}

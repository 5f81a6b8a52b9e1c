package dev.cpt.trainer.grpo;

/**
 * GRPO's group-relative advantage: each completion's reward minus its group's mean, divided by the group's standard
 * deviation (population). No value network: the group is the baseline. A group whose rewards are all equal carries
 * no signal about which completion was better; its advantages are all 0 (not 0/0) and it is flagged so the caller
 * can count it.
 */
public final class Advantages {
    /** Below this standard deviation a group counts as all-equal. */
    static final double ZERO_STD = 1e-6;

    /** The advantages of one group, its mean and standard deviation, and whether it was all-equal. */
    public record Group(double[] advantages, double mean, double std, boolean zeroStd) {}

    private Advantages() {}

    public static Group of(double[] rewards) {
        if (rewards.length == 0) {
            throw new IllegalArgumentException("a group needs at least one reward");
        }
        double mean = 0;
        for (double r : rewards) {
            if (!Double.isFinite(r)) {
                throw new IllegalArgumentException("reward is not finite: " + r);
            }
            mean += r;
        }
        mean /= rewards.length;
        double var = 0;
        for (double r : rewards) {
            var += (r - mean) * (r - mean);
        }
        double std = Math.sqrt(var / rewards.length);
        double[] adv = new double[rewards.length];
        boolean zero = std < ZERO_STD;
        if (!zero) {
            for (int i = 0; i < rewards.length; i++) {
                adv[i] = (rewards[i] - mean) / std;
            }
        }
        return new Group(adv, mean, std, zero);
    }
}

package dev.cpt.mixing.training;

/**
 * The rows training fits, one per logged round with an action.
 *
 * @param features the round's features
 * @param mask the slots that had data
 * @param actions the slot logits the exploring policy sampled
 * @param advantages return minus baseline, scaled to unit variance (per phase with carry-over)
 * @param meanReturn the mean return over the rows
 * @param carryOver the carry-over fractions the rewards were computed with
 */
public record Samples(
        double[][] features,
        boolean[][] mask,
        double[][] actions,
        double[] advantages,
        double meanReturn,
        CarryOver carryOver) {
    public int size() {
        return features.length;
    }
}

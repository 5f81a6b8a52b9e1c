package dev.cpt.model;

/**
 * Outcome of one optimizer step.
 *
 * @param loss mean token cross-entropy over all non-padding targets of the batch
 * @param rowLosses mean token cross-entropy of each row
 * @param tokenCount number of target tokens that counted in the loss
 * @param gradNorm global L2 norm of the gradients before clipping (NaN when not computed)
 * @param applied whether the weights and optimizer state were updated
 * @param skippedReason why the update was not applied; {@code null} when applied
 */
public record TrainStepResult(
        double loss, double[] rowLosses, long tokenCount, double gradNorm, boolean applied, String skippedReason) {

    public TrainStepResult {
        rowLosses = rowLosses.clone();
    }

    @Override
    public double[] rowLosses() {
        return rowLosses.clone();
    }
}

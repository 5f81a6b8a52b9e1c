package dev.cpt.model;

/**
 * What one micro-batch's forward and backward pass measured; its gradients wait, with those of the other micro-batches
 * of the step, for {@link LanguageModel#applyGradients}.
 *
 * @param loss mean token cross-entropy over the micro-batch's non-padding targets
 * @param rowLosses mean token cross-entropy of each row
 * @param tokenCount number of target tokens that counted in the loss
 */
public record MicroBatchResult(double loss, double[] rowLosses, long tokenCount) {

    public MicroBatchResult {
        rowLosses = rowLosses.clone();
    }

    @Override
    public double[] rowLosses() {
        return rowLosses.clone();
    }
}

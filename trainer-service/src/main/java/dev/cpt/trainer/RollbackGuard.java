package dev.cpt.trainer;

import io.quarkus.logging.Log;

/** Counts non-finite (skipped) steps in a row; too many mean the weights are probably broken. */
final class RollbackGuard {
    private final int maxConsecutiveSkips;
    private int consecutiveSkips;

    RollbackGuard(int maxConsecutiveSkips) {
        this.maxConsecutiveSkips = maxConsecutiveSkips;
    }

    /** Records what an optimizer step did; true when the run must roll back to its last checkpoint. */
    boolean rollbackNeeded(TrainingRun.TrainedStep step) {
        if (step.outcome().result().applied()) {
            consecutiveSkips = 0;
            return false;
        }
        Log.warnf(
                "step on batches %s skipped: %s",
                step.microBatches().stream().map(m -> m.batch().batchId()).toList(),
                step.outcome().result().skippedReason());
        return ++consecutiveSkips >= maxConsecutiveSkips;
    }

    void rolledBack() {
        consecutiveSkips = 0;
    }

    int maxConsecutiveSkips() {
        return maxConsecutiveSkips;
    }
}

package dev.cpt.trainer;

import dev.cpt.contracts.TrainingBatch;
import io.quarkus.logging.Log;

/** Counts non-finite (skipped) steps in a row; too many mean the weights are probably broken. */
final class RollbackGuard {
    private final int maxConsecutiveSkips;
    private int consecutiveSkips;

    RollbackGuard(int maxConsecutiveSkips) {
        this.maxConsecutiveSkips = maxConsecutiveSkips;
    }

    /** Records what the step of {@code batch} did; true when the run must roll back to its last checkpoint. */
    boolean rollbackNeeded(TrainingBatch batch, TrainingRun.StepOutcome outcome) {
        if (outcome.result().applied()) {
            consecutiveSkips = 0;
            return false;
        }
        Log.warnf("batch %s skipped: %s", batch.batchId(), outcome.result().skippedReason());
        return ++consecutiveSkips >= maxConsecutiveSkips;
    }

    void rolledBack() {
        consecutiveSkips = 0;
    }

    int maxConsecutiveSkips() {
        return maxConsecutiveSkips;
    }
}

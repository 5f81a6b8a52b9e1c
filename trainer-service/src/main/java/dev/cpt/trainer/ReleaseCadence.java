package dev.cpt.trainer;

import ai.djl.Device;
import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.service.CheckpointStore;
import dev.cpt.training.OptimizerSteps;
import dev.cpt.training.schedule.LearningRateSchedule;

/**
 * Whether and when the run branches off releases: only a warmup-stable-decay schedule with
 * {@code release-every-steps} set has them, every that many steps, decayed on the batches remembered here.
 */
final class ReleaseCadence {
    private final ReleaseBranch branch; // null: this run has no releases
    private final long everySteps;

    private ReleaseCadence(ReleaseBranch branch, long everySteps) {
        this.branch = branch;
        this.everySteps = everySteps;
    }

    static ReleaseCadence of(
            LearningRateSchedule schedule, TrainerConfig.Schedule config, OptimizerSettings optimizer) {
        return schedule instanceof LearningRateSchedule.WarmupStableDecay wsd && config.releaseEverySteps() > 0
                ? new ReleaseCadence(new ReleaseBranch(wsd, optimizer), config.releaseEverySteps())
                : new ReleaseCadence(null, 0);
    }

    /** Whether the checkpoint after step {@code step} is to be released too. */
    boolean dueAt(long step) {
        return branch != null && step % everySteps == 0;
    }

    /** Keeps an applied optimizer step's micro-batches for the next release's decay. */
    void remember(TrainingRun.TrainedStep step) {
        if (branch != null) {
            branch.remember(step.microBatches().stream()
                    .map(m -> OptimizerSteps.rowsOf(m.batch()))
                    .toList());
        }
    }

    /** Decays a copy of the checkpoint {@code stable} into a release; only when {@link #dueAt} said so. */
    CheckpointEvent release(CheckpointStore store, CheckpointEvent stable, Device device) {
        return branch.release(store, stable, device);
    }
}

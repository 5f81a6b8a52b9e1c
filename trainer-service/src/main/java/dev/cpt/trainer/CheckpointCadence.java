package dev.cpt.trainer;

import dev.cpt.training.schedule.LearningRateSchedule;

/**
 * When the run writes a checkpoint: before its first step (the base), every {@code checkpoint-every-steps} steps or
 * {@code checkpoint-every-tokens} tokens, when a cooldown ends, and when the stream has been idle with steps not yet
 * checkpointed.
 */
final class CheckpointCadence {
    private final TrainerConfig config;
    private final LearningRateSchedule schedule;
    private long lastStep;
    private long lastTokens;
    private boolean written;
    private long lastBatchAt = System.nanoTime();

    /** @param run the run as it starts: a resumed run's last checkpoint is where it resumed from */
    CheckpointCadence(TrainerConfig config, LearningRateSchedule schedule, TrainingRun run) {
        this.config = config;
        this.schedule = schedule;
        this.written = run.resumed();
        restartFrom(run);
    }

    /** Whether the run still needs its first checkpoint, the weights before any step. */
    boolean baseDue() {
        return !written;
    }

    void batchArrived() {
        lastBatchAt = System.nanoTime();
    }

    /** After a step: whether the steps, the tokens or a cooldown's end call for a checkpoint. */
    boolean dueAfterStep(TrainingRun run) {
        boolean byTokens =
                config.checkpointEveryTokens() > 0 && run.tokensSeen() - lastTokens >= config.checkpointEveryTokens();
        return byTokens
                || run.step() % config.checkpointEverySteps() == 0
                || run.phases().cooldownEndsAt(run.step(), schedule);
    }

    /** Whether the weights have moved since the last checkpoint (or none was written yet). */
    boolean behind(TrainingRun run) {
        return !written || run.step() > lastStep;
    }

    /** Between batches: no checkpoint yet, or no batch for a while and steps not checkpointed. */
    boolean dueWhenIdle(TrainingRun run) {
        boolean idle = System.nanoTime() - lastBatchAt
                > config.checkpointWhenIdleAfter().toNanos();
        return !written || (idle && run.step() > lastStep);
    }

    void written(TrainingRun run) {
        restartFrom(run);
        written = true;
    }

    /** The run was reloaded from its latest checkpoint (a rollback): counting starts again there. */
    void restartFrom(TrainingRun run) {
        lastStep = run.step();
        lastTokens = run.tokensSeen();
    }
}

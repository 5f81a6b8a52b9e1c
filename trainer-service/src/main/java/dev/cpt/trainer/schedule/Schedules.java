package dev.cpt.trainer.schedule;

import dev.cpt.trainer.TrainerConfig;

/** Builds the configured schedule. */
public final class Schedules {
    private Schedules() {}

    public static LearningRateSchedule from(TrainerConfig config) {
        TrainerConfig.Schedule s = config.schedule();
        double peak = config.learningRate();
        return switch (s.kind()) {
            case constant -> new LearningRateSchedule.Constant(peak);
            case cosine ->
                new LearningRateSchedule.CosineRewarm(peak, s.minLearningRate(), s.warmupSteps(), s.decaySteps());
            case wsd ->
                new LearningRateSchedule.WarmupStableDecay(peak, s.minLearningRate(), s.warmupSteps(), s.decaySteps());
            case infinite ->
                new LearningRateSchedule.Infinite(
                        peak,
                        s.plateauLearningRate(),
                        s.minLearningRate(),
                        s.warmupSteps(),
                        s.annealSteps(),
                        s.cooldownSteps());
        };
    }
}

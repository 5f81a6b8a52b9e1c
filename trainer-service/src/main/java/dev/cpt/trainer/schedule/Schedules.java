package dev.cpt.trainer.schedule;

import dev.cpt.trainer.TrainerConfig;
import dev.cpt.training.schedule.LearningRateSchedule;
import dev.cpt.training.schedule.ScheduleSettings;

/** Builds the configured schedule. */
public final class Schedules {
    private Schedules() {}

    public static LearningRateSchedule from(TrainerConfig config) {
        TrainerConfig.Schedule s = config.schedule();
        return new ScheduleSettings(
                        s.kind(),
                        config.learningRate(),
                        s.minLearningRate(),
                        s.plateauLearningRate(),
                        s.warmupSteps(),
                        s.decaySteps(),
                        s.annealSteps(),
                        s.cooldownSteps())
                .schedule();
    }
}

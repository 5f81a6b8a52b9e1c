package dev.cpt.trainer.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cpt.trainer.TrainerConfig;
import dev.cpt.trainer.TrainerConfigs;
import dev.cpt.training.schedule.LearningRateSchedule;
import dev.cpt.training.schedule.ScheduleSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchedulesTest {

    @Test
    void theLibrarysTrainerDefaultsAreTheSchedulesTheTrainerRunsByDefault() {
        TrainerConfig defaults = TrainerConfigs.read(Map.of());
        assertEquals(ScheduleSettings.trainerDefaults(defaults.learningRate()).schedule(), Schedules.from(defaults));
    }

    @Test
    void everySettingOfTheConfiguredKindIsRead() {
        TrainerConfig cosine = TrainerConfigs.read(Map.of(
                "cpt.trainer.learning-rate", "3e-4",
                "cpt.trainer.schedule.kind", "cosine",
                "cpt.trainer.schedule.min-learning-rate", "2e-5",
                "cpt.trainer.schedule.warmup-steps", "7",
                "cpt.trainer.schedule.decay-steps", "90"));
        assertEquals(new LearningRateSchedule.CosineRewarm(3e-4, 2e-5, 7, 90), Schedules.from(cosine));
        TrainerConfig infinite = TrainerConfigs.read(Map.of(
                "cpt.trainer.schedule.plateau-learning-rate", "4e-4",
                "cpt.trainer.schedule.anneal-steps", "33",
                "cpt.trainer.schedule.cooldown-steps", "5"));
        assertEquals(new LearningRateSchedule.Infinite(1e-3, 4e-4, 1e-5, 20, 33, 5), Schedules.from(infinite));
    }
}

package dev.cpt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import dev.cpt.model.Precision;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.service.CheckpointStore;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cpt.trainer.device} decides where the run's model is built; a GPU asked for and missing stops the start. */
class TrainingDeviceTest {
    @TempDir
    Path store;

    private static TrainerConfig config(String device) {
        return config(Map.of(TrainerConfig.DEVICE_SETTING, device, "cpt.trainer.model", "tiny"));
    }

    private static TrainerConfig config(Map<String, String> values) {
        return new SmallRyeConfigBuilder()
                .withMapping(TrainerConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter()) // "10s", as Quarkus reads it
                .withDefaultValues(values)
                .build()
                .getConfigMapping(TrainerConfig.class);
    }

    @Test
    void aRunStartedWithDeviceCpuHasItsModelOnTheCpu() {
        try (TrainingRun run = TrainingRun.resumeOrStart(new CheckpointStore(store), config("cpu"))) {
            assertEquals(Device.cpu(), run.modelDevice());
            assertEquals(Precision.FLOAT32, run.modelPrecision(), "the default precision");
        }
    }

    @Test
    void thePrecisionSettingReachesTheRunsModel() {
        TrainerConfig fp16 = config(Map.of(
                TrainerConfig.DEVICE_SETTING, "cpu", "cpt.trainer.model", "tiny", "cpt.trainer.precision", "fp16"));
        try (TrainingRun run = TrainingRun.resumeOrStart(new CheckpointStore(store), fp16)) {
            assertEquals(Precision.FP16, run.modelPrecision());
        }
    }

    @Test
    void aGpuAskedForWithoutOneStopsTheStartWithTheSettingNamed() {
        assumeTrue(OfflineEngine.get().getGpuCount() == 0, "this engine sees a GPU");
        var e = assertThrows(
                IllegalStateException.class,
                () -> TrainingRun.resumeOrStart(new CheckpointStore(store), config("gpu")));
        assertTrue(e.getMessage().contains("cpt.trainer.device=gpu"), e.getMessage());
    }
}

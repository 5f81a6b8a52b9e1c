package dev.cpt.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import dev.cpt.model.CheckpointInfo;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.service.CheckpointStore;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cpt.eval.device} decides where checkpoints are loaded for scoring; a GPU asked for and missing stops the start. */
class EvalDeviceTest {
    @TempDir
    Path root;

    private static EvalConfig config(String device) {
        return new SmallRyeConfigBuilder()
                .withMapping(EvalConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter()) // "30s", as Quarkus reads it
                .withDefaultValues(Map.of(EvalConfig.DEVICE_SETTING, device))
                .build()
                .getConfigMapping(EvalConfig.class);
    }

    private static CheckpointEvaluator evaluator(String device, CheckpointStore store) {
        // only the checkpoint loading is exercised: no held-out sets, history or emitters are needed
        return new CheckpointEvaluator(config(device), null, store, null, null, null);
    }

    @Test
    void withDeviceCpuACheckpointIsLoadedOntoTheCpu() throws Exception {
        CheckpointStore store = new CheckpointStore(root);
        CheckpointInfo saved;
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 3)) {
            saved = model.save(root.resolve("run/step-1"), Map.of());
        }
        CheckpointEvaluator evaluator = evaluator("cpu", store);
        try (LanguageModel loaded = evaluator.load(store.uriOf(saved.directory()), saved.manifestSha256())) {
            assertEquals(Device.cpu(), loaded.device());
        }
    }

    @Test
    void aGpuAskedForWithoutOneStopsTheStartWithTheSettingNamed() {
        assumeTrue(OfflineEngine.get().getGpuCount() == 0, "this engine sees a GPU");
        var e = assertThrows(IllegalStateException.class, () -> evaluator("gpu", new CheckpointStore(root)));
        assertTrue(e.getMessage().contains("cpt.eval.device=gpu"), e.getMessage());
    }
}

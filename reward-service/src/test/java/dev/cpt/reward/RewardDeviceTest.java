package dev.cpt.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.reward.encoder.BertConfig;
import dev.cpt.reward.encoder.ContrastivePairs;
import dev.cpt.reward.encoder.SentenceEncoder;
import dev.cpt.reward.encoder.WordPieceVocabulary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cpt.reward.device} decides where the sentence encoder is loaded; a GPU asked for and missing stops the start. */
class RewardDeviceTest {
    @TempDir
    Path dir;

    private static RewardConfig config(String device, Path encoderDir) {
        return new SmallRyeConfigBuilder()
                .withMapping(RewardConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter()) // "3ms", as Quarkus reads it
                .withDefaultValues(
                        Map.of(RewardConfig.DEVICE_SETTING, device, "cpt.reward.encoder.dir", encoderDir.toString()))
                .build()
                .getConfigMapping(RewardConfig.class);
    }

    @Test
    void withDeviceCpuTheEncoderIsLoadedOntoTheCpu() throws Exception {
        Path encoderDir = dir.resolve("encoder");
        WordPieceVocabulary.Built vocab =
                WordPieceVocabulary.build(ContrastivePairs.vocabularyTexts(ContrastivePairs.builtInCorpus()), 200);
        try (SentenceEncoder encoder =
                SentenceEncoder.create(new BertConfig(vocab.size(), 16, 1, 2, 32, 32, 2, 1e-12f), vocab.json(), 5)) {
            encoder.save(encoderDir);
        }
        RewardModel model = new RewardModel(config("cpu", encoderDir), new SimpleMeterRegistry());
        try {
            assertEquals(Device.cpu(), model.encoderDevice());
        } finally {
            model.close();
        }
    }

    @Test
    void aGpuAskedForWithoutOneStopsTheStartWithTheSettingNamed() {
        assumeTrue(OfflineEngine.get().getGpuCount() == 0, "this engine sees a GPU");
        var e = assertThrows(
                IllegalStateException.class,
                () -> new RewardModel(config("gpu", dir.resolve("never-read")), new SimpleMeterRegistry()));
        assertTrue(e.getMessage().contains("cpt.reward.device=gpu"), e.getMessage());
    }
}

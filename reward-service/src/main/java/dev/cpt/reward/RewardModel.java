package dev.cpt.reward;

import static dev.cpt.contracts.metrics.Metrics.REWARD_BATCH_SIZE;
import static dev.cpt.contracts.metrics.Metrics.REWARD_FORWARD;
import static dev.cpt.contracts.metrics.Metrics.REWARD_QUEUE_DEPTH;

import ai.djl.Device;
import dev.cpt.reward.encoder.EncoderTrainer;
import dev.cpt.reward.encoder.SentenceEncoder;
import dev.cpt.reward.encoder.TrainingSettings;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The sentence encoder behind a micro-batcher. The encoder comes from {@code cpt.reward.encoder.dir} when set;
 * otherwise the project's own encoder is loaded from the cache, or trained at start-up and cached (see the README).
 */
@Singleton
@Startup
public class RewardModel {
    private final SentenceEncoder encoder;
    private final MicroBatcher<String, float[]> batcher;

    RewardModel(RewardConfig config, MeterRegistry registry) {
        this.encoder = open(config.encoder(), config.device().resolve(RewardConfig.DEVICE_SETTING));
        DistributionSummary batchSizes = DistributionSummary.builder(REWARD_BATCH_SIZE.name())
                .description("Texts embedded per forward pass of the encoder")
                .register(registry);
        Timer forward = Timer.builder(REWARD_FORWARD.name())
                .description("Time of one encoder forward pass (tokenize + embed) over a micro-batch")
                .register(registry);
        RewardConfig.Batching b = config.batching();
        this.batcher = new MicroBatcher<>(
                "reward-encoder",
                b.maxTexts(),
                b.maxWait(),
                b.queueCapacity(),
                texts -> forward.record(() -> Arrays.asList(encoder.embed(texts))),
                batchSizes::record);
        registry.gauge(REWARD_QUEUE_DEPTH.name(), batcher, MicroBatcher::queued);
        Log.infof(
                "reward encoder ready: %s, %d parameters, on %s",
                encoder.config(), encoder.parameterCount(), encoder.device());
    }

    private static SentenceEncoder open(RewardConfig.Encoder config, Device device) {
        try {
            if (config.dir().isPresent()) {
                Log.infof("loading the sentence encoder from %s", config.dir().get());
                return SentenceEncoder.load(Path.of(config.dir().get()), device);
            }
            TrainingSettings settings = switch (config.preset()) {
                case "demo" -> TrainingSettings.demo();
                case "tiny" -> TrainingSettings.tiny();
                default ->
                    throw new IllegalArgumentException(
                            "cpt.reward.encoder.preset must be demo or tiny, not " + config.preset());
            };
            if (config.steps().isPresent()) {
                settings = settings.withSteps(config.steps().getAsInt());
            }
            return EncoderTrainer.loadOrTrain(Path.of(config.cacheDir()), settings, device, Log::info);
        } catch (IOException e) {
            throw new UncheckedIOException("the reward encoder cannot be loaded: " + e.getMessage(), e);
        }
    }

    MicroBatcher<String, float[]> batcher() {
        return batcher;
    }

    /** Where the encoder's weights live. */
    Device encoderDevice() {
        return encoder.device();
    }

    @PreDestroy
    void close() {
        batcher.close();
        encoder.close();
    }
}

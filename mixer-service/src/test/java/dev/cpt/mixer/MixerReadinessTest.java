package dev.cpt.mixer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.kafka.clients.KafkaClients;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mixer is not ready while its transactional producer is not open, and says why. */
class MixerReadinessTest {
    @TempDir
    Path state;

    private MixingRounds rounds(KafkaClients kafka) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(MixerConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter()) // "5s", as Quarkus reads it
                .withDefaultValues(Map.of("cpt.mixer.state-dir", state.toString()))
                .build();
        MixerConfig mixer = config.getConfigMapping(MixerConfig.class);
        return new MixingRounds(mixer, new MixerMetrics(new SimpleMeterRegistry()), kafka, new RunTokenizer(mixer));
    }

    @Test
    void downWithTheReasonWhileTheProducerCannotBeOpened() {
        // Nothing listens on port 1; max.block.ms, a setting every client shares, bounds the attempt to open.
        var kafka = KafkaClients.of(Map.of("bootstrap.servers", "localhost:1", "max.block.ms", "500"), "mixer-test");
        MixingRounds rounds = rounds(kafka);
        var readiness = new MixerReadiness(rounds);
        try {
            HealthCheckResponse before = readiness.call();
            assertEquals(HealthCheckResponse.Status.DOWN, before.getStatus());
            assertEquals(MixerReadiness.NAME, before.getName());
            assertTrue(reason(before).contains("not been opened yet"), reason(before));

            rounds.flushIfQuiet(); // the scheduler's tick tries to open the producer
            HealthCheckResponse after = readiness.call();
            assertEquals(HealthCheckResponse.Status.DOWN, after.getStatus());
            assertTrue(reason(after).startsWith("cannot open the transactional producer: "), reason(after));
            assertTrue(reason(after).contains("Timeout"), reason(after));
            assertEquals(Optional.empty(), rounds.failure(), "not a failure: the next tick tries again");
        } finally {
            rounds.close();
        }
    }

    @Test
    void upWithoutAReason() {
        HealthCheckResponse up = MixerReadiness.response(MixerReadiness.NAME, Optional.empty());
        assertEquals(HealthCheckResponse.Status.UP, up.getStatus());
        assertTrue(up.getData().isEmpty());
    }

    private static String reason(HealthCheckResponse response) {
        return String.valueOf(response.getData().orElseThrow().get("reason"));
    }
}

package dev.cpt.mixer;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Down while the transactional producer of rounds is not open (Kafka unreachable, credentials refused, the id fenced),
 * with the reason: the mixer then only buffers documents and trains nothing. Up once it is open. Reads what the last
 * attempt left, so the check never waits on Kafka.
 */
@Readiness
@ApplicationScoped
public class MixerReadiness implements HealthCheck {
    static final String NAME = "mixer round publisher";

    private final MixingRounds rounds;

    MixerReadiness(MixingRounds rounds) {
        this.rounds = rounds;
    }

    @Override
    public HealthCheckResponse call() {
        return response(NAME, rounds.publisherNotOpen());
    }

    /** Up, or down with the reason when there is one (the mixer's liveness reports the same way). */
    static HealthCheckResponse response(String name, Optional<String> downBecause) {
        var response = HealthCheckResponse.named(name);
        return downBecause
                .map(reason -> response.down().withData("reason", reason).build())
                .orElseGet(() -> response.up().build());
    }
}

package dev.cpt.mixer;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Down once a round could not be committed: the mixer has stopped emitting and needs a restart to read its documents
 * again.
 */
@Liveness
@ApplicationScoped
public class MixerLiveness implements HealthCheck {
    private final MixingRounds rounds;

    MixerLiveness(MixingRounds rounds) {
        this.rounds = rounds;
    }

    @Override
    public HealthCheckResponse call() {
        return MixerReadiness.response("mixer rounds", rounds.failure());
    }
}

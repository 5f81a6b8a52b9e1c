package dev.cpt.reward;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.RewardRequest;
import dev.cpt.contracts.RewardResponse;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Outgoing;

/**
 * Kafka request/reply: {@code cpt.reward.requests} feeds {@value #REQUESTS_IN}; each answer goes to
 * {@code cpt.rewards} through {@value #REWARDS_OUT}, keyed by the rollout group. A request that cannot be read or
 * scored goes to {@code cpt.dlq.reward} with the reason.
 */
@ApplicationScoped
public class RewardRequestProcessor {
    public static final String REQUESTS_IN = "reward-requests-in";
    public static final String REWARDS_OUT = "rewards-out";

    private final RewardScorer scorer;

    RewardRequestProcessor(RewardScorer scorer) {
        this.scorer = scorer;
    }

    @Incoming(REQUESTS_IN)
    @Outgoing(REWARDS_OUT)
    public Record<String, RewardResponse> score(String json) {
        RewardRequest request = Json.read(json, RewardRequest.class);
        return Record.of(request.groupId(), scorer.score(request, "kafka"));
    }
}

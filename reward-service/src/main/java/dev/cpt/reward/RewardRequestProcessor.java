package dev.cpt.reward;

import dev.cpt.contracts.RewardRequest;
import dev.cpt.contracts.RewardResponse;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Outgoing;

/**
 * Kafka request/reply: {@code cpt.reward.requests} feeds {@value #REQUESTS_IN} (consumer group {@code reward}: replicas
 * share the partitions); each answer goes to {@code cpt.rewards} through {@value #REWARDS_OUT}, keyed by the rollout
 * group. Requests are scored concurrently on worker threads ({@code ordered = false}), so the requests of a rollout
 * group meet in one micro-batch of the encoder. A request that cannot be read, is over the length bound or cannot be
 * scored goes to {@code cpt.dlq.reward} with the reason, and the partition moves on.
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
    @Blocking(ordered = false)
    public Record<String, RewardResponse> score(String json) throws InterruptedException {
        RewardRequest request = scorer.read(json);
        return Record.of(request.groupId(), scorer.score(request));
    }
}

package dev.cpt.launcher;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.MalformedMessageException;
import dev.cpt.contracts.MixtureWeights;
import dev.cpt.contracts.RewardResponse;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** What the loop's output topics hold: checkpoints, eval reports, rewards and mixture weights, in topic order. */
class LoopRecords {
    static final List<String> TOPICS =
            List.of(CheckpointEvent.TOPIC, EvalReport.TOPIC, RewardResponse.TOPIC, MixtureWeights.TOPIC);

    final List<CheckpointEvent> checkpoints = new CopyOnWriteArrayList<>();
    final List<EvalReport> reports = new CopyOnWriteArrayList<>();
    final List<RewardResponse> rewards = new CopyOnWriteArrayList<>();
    final List<MixtureWeights> mixture = new CopyOnWriteArrayList<>();
    /** Records on these topics that were not valid instances of their contract. */
    volatile int malformed;

    void add(ConsumerRecord<String, String> r) {
        try {
            switch (r.topic()) {
                case CheckpointEvent.TOPIC -> checkpoints.add(Json.read(r.value(), CheckpointEvent.class));
                case EvalReport.TOPIC -> reports.add(Json.read(r.value(), EvalReport.class));
                case RewardResponse.TOPIC -> rewards.add(Json.read(r.value(), RewardResponse.class));
                case MixtureWeights.TOPIC -> mixture.add(Json.read(r.value(), MixtureWeights.class));
                default -> {}
            }
        } catch (MalformedMessageException e) {
            // the launcher only reads; the consumers of these topics dead-letter what they cannot read
            malformed++;
        }
    }

    Optional<CheckpointEvent> latestCheckpoint() {
        return checkpoints.isEmpty() ? Optional.empty() : Optional.of(checkpoints.get(checkpoints.size() - 1));
    }
}

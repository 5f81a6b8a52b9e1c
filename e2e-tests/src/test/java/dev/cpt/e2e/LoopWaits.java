package dev.cpt.e2e;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.testkit.AwaitRecord;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.time.Duration;

/** Waiting for the loop to get somewhere, as the stack ITs do. */
final class LoopWaits {
    private LoopWaits() {}

    /** The first checkpoint whose training has seen at least {@code tokens} tokens of {@code domain}. */
    static CheckpointEvent checkpointTrainedOn(KafkaCompanion kafka, String domain, long tokens, Duration timeout) {
        return Json.read(
                AwaitRecord.first(
                                kafka,
                                r -> Json.read(r.value(), CheckpointEvent.class)
                                                .tokensPerDomain()
                                                .getOrDefault(domain, 0L)
                                        >= tokens,
                                timeout,
                                CheckpointEvent.TOPIC)
                        .value(),
                CheckpointEvent.class);
    }

    /** The eval report on that very checkpoint, by its hash (a GRPO stage's checkpoints may share its step number). */
    static EvalReport reportOn(KafkaCompanion kafka, CheckpointEvent checkpoint, Duration timeout) {
        return Json.read(
                AwaitRecord.first(
                                kafka,
                                r -> checkpoint
                                        .sha256()
                                        .equals(Json.read(r.value(), EvalReport.class)
                                                .checkpointSha256()),
                                timeout,
                                EvalReport.TOPIC)
                        .value(),
                EvalReport.class);
    }
}

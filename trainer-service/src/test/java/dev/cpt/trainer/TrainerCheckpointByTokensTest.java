package dev.cpt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.testkit.AwaitRecord;
import dev.cpt.testkit.EmbeddedKafkaResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** Checkpoints every 60 tokens and (practically) never by steps: the token count alone must trigger them. */
@QuarkusTest
@WithTestResource(EmbeddedKafkaResource.class)
@TestProfile(TrainerCheckpointByTokensTest.EverySixtyTokens.class)
class TrainerCheckpointByTokensTest {
    public static class EverySixtyTokens implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "cpt.trainer.run-id", "by-tokens",
                    "cpt.trainer.checkpoint-every-steps", "1000",
                    "cpt.trainer.checkpoint-every-tokens", "60",
                    "cpt.trainer.checkpoint-when-idle-after", "10m");
        }
    }

    private final KafkaCompanion kafka =
            new KafkaCompanion(EmbeddedKafkaResource.broker().bootstrapServers());

    @Test
    void aCheckpointFollowsEverySixtyTrainedTokens() {
        var records = IntStream.range(0, 3)
                .mapToObj(i -> new ProducerRecord<String, String>(
                        TrainingBatch.TOPIC,
                        "k",
                        Json.write(new TrainingBatch(
                                "tok-" + i,
                                i,
                                64,
                                List.of(new PackedSequence(
                                        "tokens",
                                        "thirty one tokens in this row!!"
                                                .chars()
                                                .toArray(),
                                        List.of())),
                                Map.of("tokens", 1.0),
                                Instant.now(),
                                ByteTokenizer.FINGERPRINT))))
                .toList();
        kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(30));

        // Other test classes of this module may have left batches on the shared topic; this run reads them too.
        // With checkpoints by steps and by idleness out of reach, every checkpoint after the base must come from the
        // token count: at least 60 tokens after the previous one.
        var checkpoints = AwaitRecord.all(
                kafka,
                r -> r.key().equals("by-tokens")
                        && Json.read(r.value(), CheckpointEvent.class)
                                .tokensPerDomain()
                                .containsKey("tokens"),
                1,
                Duration.ofSeconds(120),
                CheckpointEvent.TOPIC);
        var base = Json.read(
                AwaitRecord.first(
                                kafka, r -> r.key().equals("by-tokens"), Duration.ofSeconds(10), CheckpointEvent.TOPIC)
                        .value(),
                CheckpointEvent.class);
        var first = Json.read(checkpoints.get(0).value(), CheckpointEvent.class);
        assertTrue(first.step() > 0);
        assertTrue(first.tokensSeen() >= 60, "checkpoint after " + first.tokensSeen() + " tokens");
        assertTrue(first.tokensPerDomain().get("tokens") >= 31);
        assertEquals(0, base.step(), "the first checkpoint of the run is its untrained base");
    }
}

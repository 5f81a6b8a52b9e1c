package dev.cpt.trainer;

import static dev.cpt.contracts.metrics.Metrics.TRAINER_STEP_MICRO_BATCHES;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_STEP_TOKENS;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.ConsumedOffset;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.TrainedBatch;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.testkit.AwaitRecord;
import dev.cpt.testkit.EmbeddedKafkaResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Two batch messages per optimizer step and a checkpoint after every step: each checkpoint's offsets cover exactly
 * twice its step count of trained batches. The run reads the shared batches topic from its beginning, batches other
 * test classes left there included, so the test checks that relation on every checkpoint rather than fixed offsets.
 */
@QuarkusTest
@WithTestResource(EmbeddedKafkaResource.class)
@TestProfile(TrainerAccumulationTest.TwoBatchesPerStep.class)
class TrainerAccumulationTest {
    private static final String RUN = "accumulate";

    public static class TwoBatchesPerStep implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "cpt.trainer.run-id", RUN,
                    "cpt.trainer.gradient-accumulation-steps", "2",
                    "cpt.trainer.checkpoint-every-steps", "1",
                    "cpt.trainer.checkpoint-when-idle-after", "10m");
        }
    }

    private final KafkaCompanion kafka =
            new KafkaCompanion(EmbeddedKafkaResource.broker().bootstrapServers());

    @Test
    void everyCheckpointCoversTheBatchesOfItsStepsTwoPerStep() throws Exception {
        var records = IntStream.range(0, 4)
                .mapToObj(i -> new ProducerRecord<String, String>(
                        TrainingBatch.TOPIC,
                        "k",
                        Json.write(new TrainingBatch(
                                "acc-" + i,
                                i,
                                64,
                                List.of(new PackedSequence(
                                        "accumulated",
                                        ("two of these make one optimizer step " + i)
                                                .chars()
                                                .toArray(),
                                        List.of())),
                                Map.of("accumulated", 1.0),
                                Instant.now(),
                                ByteTokenizer.FINGERPRINT))))
                .toList();
        kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(30));

        CheckpointEvent reached = Json.read(
                AwaitRecord.first(
                                kafka,
                                r -> r.key().equals(RUN)
                                        && Json.read(r.value(), CheckpointEvent.class)
                                                .tokensPerDomain()
                                                .containsKey("accumulated"),
                                Duration.ofSeconds(120),
                                CheckpointEvent.TOPIC)
                        .value(),
                CheckpointEvent.class);
        List<CheckpointEvent> checkpoints = AwaitRecord.all(
                        kafka,
                        r -> r.key().equals(RUN)
                                && Json.read(r.value(), CheckpointEvent.class).step() > 0,
                        (int) reached.step(),
                        Duration.ofSeconds(30),
                        CheckpointEvent.TOPIC)
                .stream()
                .map(r -> Json.read(r.value(), CheckpointEvent.class))
                .toList();

        Path journal = Path.of(java.net.URI.create(reached.uri())).getParent().resolve(TrainedBatch.JOURNAL_FILE);
        List<TrainedBatch> trained = Files.readAllLines(journal).stream()
                .filter(line -> !line.isBlank())
                .map(line -> Json.read(line, TrainedBatch.class))
                .toList();
        for (CheckpointEvent c : checkpoints) {
            ConsumedOffset upTo = c.consumedOffsets().stream()
                    .filter(o -> o.topic().equals(TrainingBatch.TOPIC))
                    .findFirst()
                    .orElseThrow();
            List<TrainedBatch> covered = trained.stream()
                    .filter(t -> t.partition() == upTo.partition() && t.offset() < upTo.nextOffset())
                    .toList();
            assertEquals(2 * c.step(), covered.size(), "batches in the weights of step " + c.step());
            assertTrue(covered.stream().allMatch(t -> t.applied() && t.step() <= c.step()), covered.toString());
            // the last batch a checkpoint covers is the second of its last step
            assertEquals(c.step(), covered.get(covered.size() - 1).step());
            assertEquals(upTo.nextOffset() - 1, covered.get(covered.size() - 1).offset());
        }

        String scrape = given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertEquals(2.0, value(scrape, TRAINER_STEP_MICRO_BATCHES.prometheusName()), scrape);
        assertTrue(value(scrape, TRAINER_STEP_TOKENS.prometheusName()) > 0, scrape);
    }

    /** The value of the run's series of {@code metric} in a scrape, or -1 when it is absent. */
    private static double value(String scrape, String metric) {
        Matcher m = Pattern.compile(Pattern.quote(metric + "{run=\"" + RUN + "\"}") + " ([0-9.eE+-]+)")
                .matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }
}

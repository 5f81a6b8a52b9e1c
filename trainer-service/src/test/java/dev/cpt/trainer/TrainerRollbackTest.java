package dev.cpt.trainer;

import static dev.cpt.contracts.metrics.Metrics.TRAINER_LEARNING_RATE_SCALE;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_ROLLBACKS;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_SKIPPED_STEPS;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.model.tokenizer.ByteTokenizer;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * A learning rate absurd enough to blow the weights up: the non-finite guard must skip the steps, and after two in a
 * row roll the run back to its last checkpoint with a lower learning rate.
 */
@QuarkusTest
@WithTestResource(EmbeddedKafkaResource.class)
@TestProfile(TrainerRollbackTest.ExplodingLearningRate.class)
class TrainerRollbackTest {
    public static class ExplodingLearningRate implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "cpt.trainer.run-id", "rollback",
                    "cpt.trainer.schedule.kind", "constant",
                    "cpt.trainer.learning-rate", "1e9",
                    "cpt.trainer.max-consecutive-skips", "2",
                    "cpt.trainer.checkpoint-every-steps", "1000");
        }
    }

    private final KafkaCompanion kafka =
            new KafkaCompanion(EmbeddedKafkaResource.broker().bootstrapServers());

    @Test
    void nonFiniteStepsInARowRollTheRunBackWithALowerLearningRate() throws Exception {
        var records = IntStream.range(0, 12)
                .mapToObj(i -> new ProducerRecord<String, String>(
                        TrainingBatch.TOPIC,
                        "k",
                        Json.write(new TrainingBatch(
                                "explode-" + i,
                                i,
                                64,
                                List.of(new PackedSequence(
                                        "boom",
                                        "the quick brown fox jumps over the lazy dog"
                                                .chars()
                                                .toArray(),
                                        List.of())),
                                Map.of("boom", 1.0),
                                Instant.now(),
                                ByteTokenizer.FINGERPRINT))))
                .toList();
        kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(30));

        // The guard meters exist at 0 from the first step on; wait for the counter to count a rollback.
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        String scrape = "";
        while (System.nanoTime() < deadline && value(scrape, TRAINER_ROLLBACKS.prometheusName()) < 1) {
            Thread.sleep(500);
            scrape = given().when()
                    .get("/q/metrics")
                    .then()
                    .statusCode(200)
                    .extract()
                    .asString();
        }
        assertTrue(value(scrape, TRAINER_ROLLBACKS.prometheusName()) >= 1, "no rollback in:\n" + scrape);
        assertTrue(
                value(scrape, TRAINER_SKIPPED_STEPS.prometheusName()) >= 2,
                "fewer than 2 skipped steps in:\n" + scrape);
        Matcher scale = Pattern.compile(
                        TRAINER_LEARNING_RATE_SCALE.prometheusName() + "\\{run=\"rollback\"} ([0-9.eE+-]+)")
                .matcher(scrape);
        assertTrue(scale.find(), "no learning-rate scale gauge");
        assertTrue(Double.parseDouble(scale.group(1)) <= 0.5, "learning rate not lowered: " + scale.group(1));
    }

    /** The value of the run's series of {@code metric} in a scrape, or -1 when it is absent. */
    private static double value(String scrape, String metric) {
        Matcher m = Pattern.compile(Pattern.quote(metric + "{run=\"rollback\"}") + " ([0-9.eE+-]+)")
                .matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }
}

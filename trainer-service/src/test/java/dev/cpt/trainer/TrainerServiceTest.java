package dev.cpt.trainer;

import static dev.cpt.contracts.metrics.Metrics.TRAINER_BATCHES_REFUSED;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_CHECKPOINTS;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_CHECKPOINT_WRITE;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_GRAD_NORM;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_LEARNING_RATE;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_LOSS;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_STEP;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_TOKENS;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_TOKENS_PER_SECOND;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.common.Sha256;
import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.RunMetadata;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.model.io.Manifest;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.testkit.AwaitRecord;
import dev.cpt.testkit.EmbeddedKafkaResource;
import dev.cpt.testkit.ServiceEndpointsTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** Checkpoints after every step in the test profile. */
@QuarkusTest
@WithTestResource(EmbeddedKafkaResource.class)
class TrainerServiceTest extends ServiceEndpointsTest {
    private final KafkaCompanion kafka =
            new KafkaCompanion(EmbeddedKafkaResource.broker().bootstrapServers());

    /** A batch of the byte tokenizer's ids, the tokenizer of the model the test profile trains. */
    private static TrainingBatch batch(String id, String domain, int[] tokens) {
        return batch(id, domain, tokens, ByteTokenizer.FINGERPRINT);
    }

    private static TrainingBatch batch(String id, String domain, int[] tokens, String tokenizerFingerprint) {
        return new TrainingBatch(
                id,
                0,
                32,
                List.of(new PackedSequence(domain, tokens, List.of("doc-" + id))),
                Map.of(domain, 1.0),
                Instant.now(),
                tokenizerFingerprint);
    }

    private String deadLetterReason(String batchId) {
        var dead = AwaitRecord.first(
                kafka, r -> r.value().contains("\"" + batchId + "\""), Duration.ofSeconds(120), DeadLetters.TRAINER);
        return new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8);
    }

    private static int[] text(String s) {
        return s.chars().toArray();
    }

    private void send(String... values) {
        kafka.produceStrings()
                .fromRecords(java.util.Arrays.stream(values)
                        .map(v -> new ProducerRecord<String, String>(TrainingBatch.TOPIC, 0, "k", v))
                        .toList())
                .awaitCompletion(Duration.ofSeconds(30));
    }

    @Test
    void aTrainedBatchIsAnnouncedAsAVerifiableCheckpoint() throws Exception {
        send(Json.write(batch("ckpt-1", "poetry", text("the rose is red, the violet blue"))));

        var record = AwaitRecord.first(
                kafka,
                r -> Json.read(r.value(), CheckpointEvent.class)
                        .tokensPerDomain()
                        .containsKey("poetry"),
                Duration.ofSeconds(120),
                CheckpointEvent.TOPIC);
        CheckpointEvent event = Json.read(record.value(), CheckpointEvent.class);
        assertEquals("demo", record.key());
        assertTrue(event.consumedOffsets().stream()
                .anyMatch(o -> o.topic().equals(TrainingBatch.TOPIC) && o.nextOffset() > 0));
        Path dir = Path.of(java.net.URI.create(event.uri()));
        assertEquals(event.sha256(), Manifest.verify(dir).sha256());
        assertEquals("infinite", event.schedule().kind());
        assertTrue(event.schedule().learningRate() > 0);
        assertEquals(dir.resolve("optimizer.safetensors"), Path.of(java.net.URI.create(event.optimizerStateUri())));
    }

    @Test
    void anOperatorOpensAPhaseAndTheNextCheckpointCarriesTheScheduleState() throws Exception {
        int before =
                given().when().get("/schedule").then().statusCode(200).extract().path("phase");
        int opened = given().when()
                .post("/schedule/phases")
                .then()
                .statusCode(200)
                .extract()
                .path("phase");
        assertEquals(before + 1, opened);

        send(Json.write(batch("phase-1", "astronomy", text("stars and planets and moons"))));
        var event = Json.read(
                AwaitRecord.first(
                                kafka,
                                r -> Json.read(r.value(), CheckpointEvent.class)
                                        .tokensPerDomain()
                                        .containsKey("astronomy"),
                                Duration.ofSeconds(120),
                                CheckpointEvent.TOPIC)
                        .value(),
                CheckpointEvent.class);
        var state = RunMetadata.from(Manifest.verify(Path.of(java.net.URI.create(event.uri())))
                        .metadata())
                .phase();
        // the operator's phase, then one more because astronomy is a domain the run had not seen
        assertEquals(opened + 1, state.phase());
        assertTrue(state.domainsSeen().contains("astronomy"));
    }

    @Test
    void anOperatorAsksForACooldown() {
        int start = given().when()
                .post("/schedule/cooldown")
                .then()
                .statusCode(200)
                .extract()
                .path("cooldownStartStep");
        assertTrue(start >= 0);
    }

    @Test
    void aRunFromScratchPublishesItsUntrainedBaseAsStepZero() {
        // the run's own: this application's other test classes share the broker, and a GRPO stage's branch run
        // starts at step 0 from weights that have seen tokens
        var base = Json.read(
                AwaitRecord.first(
                                kafka,
                                r -> "demo".equals(r.key())
                                        && Json.read(r.value(), CheckpointEvent.class)
                                                        .step()
                                                == 0,
                                Duration.ofSeconds(120),
                                CheckpointEvent.TOPIC)
                        .value(),
                CheckpointEvent.class);
        assertEquals(0, base.tokensSeen());
        assertTrue(base.tokensPerDomain().isEmpty());
    }

    @Test
    void batchesTheModelCannotTakeGoToTheDeadLetterTopicWithTheReason() {
        send("[1, 2, 3]", Json.write(batch("oov", "poetry", new int[] {1, 2, 99_999})));

        var unreadable = AwaitRecord.first(
                kafka, r -> r.value().equals("[1, 2, 3]"), Duration.ofSeconds(120), DeadLetters.TRAINER);
        String first = new String(
                unreadable.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8);
        String second = deadLetterReason("oov");
        assertTrue(first.startsWith("not a valid TrainingBatch"), first);
        assertTrue(second.contains("token id 99999, outside the model's vocabulary"), second);
    }

    @Test
    void batchesOfAnotherTokenizerAreDeadLetteredWithTheReasonAndTheNextOneTrains() {
        String other = Sha256.hex("another tokenizer.json");
        int[] ours = text("the model's own byte ids");
        send(
                Json.write(batch("tok-other", "tokenizers", text("ids of another vocabulary"), other)),
                Json.write(batch("tok-unstated", "tokenizers", text("ids of an unstated vocabulary"), null)),
                Json.write(batch("tok-ours", "tokenizers", ours)));

        String mismatch = deadLetterReason("tok-other");
        assertTrue(mismatch.contains("batch tok-other"), mismatch);
        assertTrue(mismatch.contains(other.substring(0, 12)), mismatch);
        assertTrue(mismatch.contains(ByteTokenizer.FINGERPRINT), mismatch);
        String unstated = deadLetterReason("tok-unstated");
        assertTrue(unstated.contains("batch tok-unstated carries no tokenizer fingerprint"), unstated);

        // the partition moved on, and only the batch of the model's tokenizer was trained
        CheckpointEvent trained = Json.read(
                AwaitRecord.first(
                                kafka,
                                r -> Json.read(r.value(), CheckpointEvent.class)
                                        .tokensPerDomain()
                                        .containsKey("tokenizers"),
                                Duration.ofSeconds(120),
                                CheckpointEvent.TOPIC)
                        .value(),
                CheckpointEvent.class);
        assertEquals(ours.length, trained.tokensPerDomain().get("tokenizers"));
        String scrape = given().when().get("/q/metrics").asString();
        assertTrue(
                scrape.contains(TRAINER_BATCHES_REFUSED.prometheusName() + "{reason=\"tokenizer\",run=\"demo\"} 2.0"),
                "refusals not counted");
    }

    @Override
    protected void exerciseService() {
        send(Json.write(batch("metrics-1", "metrics", text("counting tokens for the scrape"))));
        AwaitRecord.first(
                kafka,
                r -> Json.read(r.value(), CheckpointEvent.class)
                        .tokensPerDomain()
                        .containsKey("metrics"),
                Duration.ofSeconds(120),
                CheckpointEvent.TOPIC);
    }

    @Override
    protected List<String> expectedMeters() {
        return List.of(
                TRAINER_LOSS.prometheusName() + "{domain=\"metrics\",run=\"demo\"",
                TRAINER_TOKENS.prometheusName() + "{domain=\"metrics\"",
                TRAINER_STEP.prometheusName() + "{run=\"demo\"",
                TRAINER_CHECKPOINTS.prometheusName() + "{run=\"demo\"",
                TRAINER_LEARNING_RATE.prometheusName(),
                TRAINER_GRAD_NORM.prometheusName(),
                TRAINER_TOKENS_PER_SECOND.prometheusName(),
                "kafka_consumer_fetch_manager_records_lag_max",
                TRAINER_CHECKPOINT_WRITE.count());
    }
}

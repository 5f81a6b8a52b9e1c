package dev.cpt.mixer;

import static dev.cpt.contracts.metrics.Metrics.MIXER_BATCHES;
import static dev.cpt.contracts.metrics.Metrics.MIXER_BUFFERED_TOKENS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_DOCUMENTS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_DOCUMENTS_REFUSED;
import static dev.cpt.contracts.metrics.Metrics.MIXER_FEEDBACK;
import static dev.cpt.contracts.metrics.Metrics.MIXER_REPLAY_SHARE;
import static dev.cpt.contracts.metrics.Metrics.MIXER_RESERVOIR_MEMORY_TOKENS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_RESERVOIR_TOKENS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_ROUND;
import static dev.cpt.contracts.metrics.Metrics.MIXER_ROUNDS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_TOKENS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_WEIGHT;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.common.Sha256;
import dev.cpt.common.tokenizer.TokenizerIdentity;
import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.DomainScore;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.MixtureWeights;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.testkit.AwaitRecord;
import dev.cpt.testkit.EmbeddedKafkaResource;
import dev.cpt.testkit.ServiceEndpointsTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs with context length 16, batches of 2 sequences, one batch per round, replay on (the test profile). */
@QuarkusTest
@WithTestResource(EmbeddedKafkaResource.class)
class MixerServiceTest extends ServiceEndpointsTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final KafkaCompanion kafka =
            new KafkaCompanion(EmbeddedKafkaResource.broker().bootstrapServers());

    /** A document as ingest stamps it with the byte tokenizer, the run's tokenizer in the test profile. */
    private static Document document(String id, String domain, int tokens) {
        return document(id, domain, tokens, TokenizerIdentity.BYTE_FINGERPRINT);
    }

    private static Document document(String id, String domain, int tokens, String tokenizerFingerprint) {
        return new Document(
                id,
                domain,
                "x".repeat(tokens),
                TokenizerIdentity.BYTE_NAME,
                tokenizerFingerprint,
                IntStream.range(0, tokens).map(i -> 'x').toArray(),
                "test",
                Instant.now(),
                Map.of());
    }

    private void send(String topic, String key, String value) {
        kafka.produceStrings()
                .fromRecords(new ProducerRecord<>(topic, key, value))
                .awaitCompletion(Duration.ofSeconds(30));
    }

    private void send(Document doc) {
        send(Document.TOPIC, doc.domain(), Json.write(doc));
    }

    private TrainingBatch batchWith(String documentId) {
        return Json.read(
                AwaitRecord.first(kafka, r -> r.value().contains(documentId), WAIT, TrainingBatch.TOPIC)
                        .value(),
                TrainingBatch.class);
    }

    /**
     * The mixer is ready once its transactional producer is open, which the scheduler's first ticks do: every test,
     * the shared health check among them, starts from a ready mixer.
     */
    @BeforeEach
    void awaitReady() {
        if (!await(() -> RestAssured.given().when().get("/q/health/ready").statusCode() == 200)) {
            throw new AssertionError("not ready within " + WAIT + ": "
                    + RestAssured.given().when().get("/q/health/ready").asString());
        }
    }

    @Test
    void readinessReportsTheOpenRoundPublisher() {
        RestAssured.given()
                .when()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("checks.find { it.name == 'mixer round publisher' }.status", equalTo("UP"));
    }

    @Test
    void documentsBecomeAPackedBatchAndItsWeightsArePublished() {
        send(document("geo-1", "geology", 40));

        TrainingBatch batch = batchWith("geo-1");
        assertEquals(16, batch.contextLength());
        assertEquals(2, batch.sequences().size());
        assertEquals("uniform", batch.policy());
        assertEquals(1, batch.batchesInRound());
        assertEquals(TokenizerIdentity.BYTE_FINGERPRINT, batch.tokenizerFingerprint());
        List<PackedSequence> geology = batch.sequences().stream()
                .filter(s -> s.domain().equals("geology"))
                .toList();
        assertTrue(geology.stream().allMatch(s -> s.tokens().length == 17 && !s.replay()));
        assertTrue(batch.weights().get("geology") > 0);
        assertEquals(
                1.0,
                batch.weights().values().stream()
                        .mapToDouble(Double::doubleValue)
                        .sum(),
                1e-9);

        var weights = AwaitRecord.first(
                kafka,
                r -> Json.read(r.value(), MixtureWeights.class).round() == batch.round(),
                WAIT,
                MixtureWeights.TOPIC);
        MixtureWeights published = Json.read(weights.value(), MixtureWeights.class);
        assertEquals("uniform", published.policy());
        assertEquals(batch.weights(), published.weights());
        assertEquals(geology.size() * 17L, published.freshTokens().get("geology"));
    }

    @Test
    void aDomainTrainedEarlierIsReplayedWhileALaterOneTrains() {
        send(document("early-1", "early", 17)); // one sequence: its round (a flush) trains all of it
        batchWith("early-1");
        send(document("late-1", "late", 17 * 6));

        var late = AwaitRecord.all(kafka, r -> r.value().contains("late-1"), 3, WAIT, TrainingBatch.TOPIC).stream()
                .map(r -> Json.read(r.value(), TrainingBatch.class))
                .toList();
        for (TrainingBatch b : late) {
            // One fresh sequence of late in every round, and the rest replayed from domains trained before.
            assertTrue(b.sequences().stream().anyMatch(s -> s.domain().equals("late") && !s.replay()));
            assertTrue(b.sequences().stream().anyMatch(PackedSequence::replay), b.toString());
            assertEquals(0.5, b.replayShare(), 1e-9);
            assertTrue(b.weights().size() >= 2, b.weights().toString());
        }
    }

    @Test
    void aLoneShortDocumentIsFlushedAfterAQuietSecond() {
        send(document("bot-1", "botany", 5));

        TrainingBatch batch = batchWith("bot-1");
        PackedSequence botany = batch.sequences().stream()
                .filter(s -> s.domain().equals("botany"))
                .findFirst()
                .orElseThrow();
        assertEquals(5, botany.tokens().length);
        assertEquals(0, botany.documentStarts()[0]);
    }

    @Test
    void aPoisonDocumentGoesToTheDeadLetterTopicAndTheNextOneIsMixed() {
        kafka.produceStrings()
                .fromRecords(List.of(
                        new ProducerRecord<>(Document.TOPIC, 2, "zoology", "{\"id\":\"poison\"}"),
                        new ProducerRecord<>(
                                Document.TOPIC, 2, "zoology", Json.write(document("zoo-after", "zoology", 3)))))
                .awaitCompletion(Duration.ofSeconds(30));

        var dead = AwaitRecord.first(kafka, r -> r.value().contains("poison"), WAIT, DeadLetters.MIXER);
        String reason =
                new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8);
        assertTrue(reason.contains("domain is missing"), reason);
        batchWith("zoo-after");
    }

    @Test
    void aDocumentOfAnotherTokenizerIsDeadLetteredWithBothFingerprintsAndTheNextOneIsMixed() {
        String other = Sha256.hex("another tokenizer.json");
        kafka.produceStrings()
                .fromRecords(List.of(
                        new ProducerRecord<>(
                                Document.TOPIC,
                                1,
                                "mycology",
                                Json.write(document("myc-other", "mycology", 20, other))),
                        new ProducerRecord<>(
                                Document.TOPIC, 1, "mycology", Json.write(document("myc-after", "mycology", 3)))))
                .awaitCompletion(Duration.ofSeconds(30));

        var dead = AwaitRecord.first(kafka, r -> r.value().contains("myc-other"), WAIT, DeadLetters.MIXER);
        String reason =
                new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8);
        assertTrue(reason.contains("document myc-other"), reason);
        assertTrue(reason.contains(other.substring(0, 12)), reason);
        assertTrue(reason.contains(TokenizerIdentity.BYTE_FINGERPRINT), reason);
        // the partition moved on, and the refused document is in no batch
        TrainingBatch next = batchWith("myc-after");
        assertTrue(next.sequences().stream().noneMatch(s -> s.documentIds().contains("myc-other")));
        assertTrue(
                awaitScrape(
                        MIXER_DOCUMENTS_REFUSED.prometheusName() + "{domain=\"mycology\",reason=\"tokenizer\"} 1.0"),
                "refusal not counted");
    }

    @Test
    void anUnreadableEvalReportIsDeadLetteredAndAGoodOneReachesThePolicy() {
        send(EvalReport.TOPIC, "run", "{\"runId\":\"run\",\"step\":\"not-a-number-report\"}");
        var dead = AwaitRecord.first(kafka, r -> r.value().contains("not-a-number-report"), WAIT, DeadLetters.MIXER);
        assertTrue(
                new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8)
                        .contains("EvalReport"));

        send(
                EvalReport.TOPIC,
                "run",
                Json.write(new EvalReport(
                        "run",
                        7,
                        "sha",
                        Map.of("geology", new DomainScore(3.2, 24.5, 100)),
                        "set",
                        null,
                        Instant.now())));
        assertTrue(awaitScrape(MIXER_FEEDBACK.prometheusName() + "{outcome=\"observed\""), "feedback never observed");
    }

    /** Metrics are set just after the broker has the round: wait for the scrape to show them. */
    private static boolean awaitScrape(String meter) {
        return await(
                () -> RestAssured.given().when().get("/q/metrics").asString().contains(meter));
    }

    private static boolean await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    @Override
    protected void exerciseService() {
        send(document("met-1", "metrics", 34));
        batchWith("met-1");
        awaitScrape(MIXER_RESERVOIR_TOKENS.prometheusName() + "{domain=\"metrics\"");
    }

    @Override
    protected List<String> expectedMeters() {
        return List.of(
                MIXER_DOCUMENTS.prometheusName() + "{domain=\"metrics\"",
                MIXER_ROUNDS.prometheusName() + "{policy=\"uniform\"",
                MIXER_BATCHES.prometheusName(),
                MIXER_WEIGHT.prometheusName() + "{",
                MIXER_BUFFERED_TOKENS.prometheusName() + "{domain=\"metrics\"",
                MIXER_TOKENS.prometheusName() + "{domain=\"metrics\",kind=\"fresh\"",
                MIXER_REPLAY_SHARE.prometheusName() + "{policy=\"uniform\"",
                MIXER_ROUND.prometheusName() + " ",
                MIXER_RESERVOIR_TOKENS.prometheusName() + "{domain=\"metrics\"",
                MIXER_RESERVOIR_MEMORY_TOKENS.prometheusName() + " ");
    }
}

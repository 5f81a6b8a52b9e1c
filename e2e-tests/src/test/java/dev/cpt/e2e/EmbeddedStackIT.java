package dev.cpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.IngestReply;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import dev.cpt.contracts.RewardRequest;
import dev.cpt.contracts.RewardResponse;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.launcher.Service;
import dev.cpt.launcher.Stack;
import dev.cpt.launcher.StackOptions;
import dev.cpt.testkit.AwaitRecord;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop as the launcher runs it: a real KRaft broker and the five packaged services as child processes.
 * A document posted to ingest must come out the other end as a batch, a trained checkpoint and an eval report.
 */
class EmbeddedStackIT {
    private static final Duration LOOP_TIMEOUT = Duration.ofMinutes(4);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dataDir;

    private static Stack stack;

    @RegisterExtension
    static final StackLogsOnFailure LOGS_ON_FAILURE = new StackLogsOnFailure(() -> stack);

    private static KafkaCompanion kafka;

    @BeforeAll
    static void startStack() {
        StackOptions options = StackOptions.ephemeral(
                        Path.of("..").toAbsolutePath().normalize(), dataDir)
                .with("cpt.trainer.checkpoint-every-steps", "1")
                .with("cpt.mixer.flush-after", "1s")
                // The stack plumbing is under test, not the encoder: the tiny one trains in seconds.
                .with("cpt.reward.encoder.preset", "tiny");
        stack = Stack.start(options);
        kafka = new KafkaCompanion(stack.kafka().bootstrapServers());
    }

    @AfterAll
    static void stopStack() {
        if (kafka != null) {
            kafka.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aPostedDocumentCrossesEveryService() throws Exception {
        String text = IntStream.range(0, 12)
                .mapToObj(i -> "Granite is an igneous rock, number " + i + ".")
                .collect(Collectors.joining(" "));
        var post = HttpRequest.newBuilder(stack.service(Service.INGEST).url("/documents"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        Json.write(new RawDocument("e2e-granite", "geology", text, null))))
                .build();
        HttpResponse<String> accepted = HTTP.send(post, HttpResponse.BodyHandlers.ofString());
        assertEquals(202, accepted.statusCode(), accepted.body());
        IngestReply.Accepted result =
                Json.read(accepted.body(), IngestReply.class).accepted().get(0);
        assertEquals("TRAIN", result.split(), "the test document must fall in the training split");

        // ingest -> cpt.documents
        AwaitRecord.first(kafka, r -> r.value().contains("e2e-granite"), LOOP_TIMEOUT, Document.TOPIC);
        // mixer -> cpt.batches
        var batch = AwaitRecord.first(kafka, r -> r.value().contains("e2e-granite"), LOOP_TIMEOUT, TrainingBatch.TOPIC);
        assertTrue(Json.read(batch.value(), TrainingBatch.class).sequences().stream()
                .allMatch(s -> s.domain().equals("geology")));
        // trainer -> cpt.checkpoints
        var checkpoint = Json.read(
                AwaitRecord.first(
                                kafka,
                                r -> Json.read(r.value(), CheckpointEvent.class)
                                                .tokensPerDomain()
                                                .getOrDefault("geology", 0L)
                                        >= text.length(),
                                LOOP_TIMEOUT,
                                CheckpointEvent.TOPIC)
                        .value(),
                CheckpointEvent.class);
        // eval -> cpt.eval.reports
        var report = Json.read(
                AwaitRecord.first(
                                kafka,
                                r -> Json.read(r.value(), EvalReport.class).step() == checkpoint.step(),
                                LOOP_TIMEOUT,
                                EvalReport.TOPIC)
                        .value(),
                EvalReport.class);
        assertNull(report.error());
        assertEquals(checkpoint.sha256(), report.checkpointSha256());

        // reward: request on Kafka, reply on Kafka
        var request = new RewardRequest(
                "e2e-reward",
                "e2e-group",
                "What is granite?",
                "Granite is an igneous rock.",
                "Granite is an igneous rock.",
                Instant.now());
        kafka.produceStrings()
                .fromRecords(new ProducerRecord<>(RewardRequest.TOPIC, "e2e-group", Json.write(request)))
                .awaitCompletion(Duration.ofSeconds(30));
        // the dead-letter topic too, so that a rejected request fails here with its reason rather than a timeout
        var answer = AwaitRecord.first(
                kafka, r -> r.value().contains("e2e-reward"), LOOP_TIMEOUT, RewardResponse.TOPIC, DeadLetters.REWARD);
        assertEquals(
                RewardResponse.TOPIC,
                answer.topic(),
                () -> "the reward request was dead-lettered: "
                        + Optional.ofNullable(answer.headers().lastHeader(DeadLetters.REASON_HEADER))
                                .map(h -> new String(h.value(), StandardCharsets.UTF_8))
                                .orElse("(no reason header)"));
        var reward = Json.read(answer.value(), RewardResponse.class);
        assertEquals(1.0, reward.reward(), 1e-9);
    }

    @Test
    void everyServiceIsReadyAndServesMetrics() throws Exception {
        for (Service s : Service.values()) {
            var health = HTTP.send(
                    HttpRequest.newBuilder(stack.service(s).url("/q/health/ready"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), s + ": " + health.body());
            assertTrue(health.body().contains("Kafka connection health check"), s + ": " + health.body());
            var metrics = HTTP.send(
                    HttpRequest.newBuilder(stack.service(s).url("/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("jvm_threads_live_threads"), s + " scrape lacks JVM meters");
        }
    }
}

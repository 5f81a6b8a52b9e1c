package dev.cpt.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.kafka.test.AwaitRecord;
import dev.cpt.kafka.test.EmbeddedKafkaResource;
import dev.cpt.kafka.test.ServiceEndpointsTest;
import dev.cpt.model.CheckpointInfo;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(EmbeddedKafkaResource.class)
class EvalServiceTest extends ServiceEndpointsTest {
    private final KafkaCompanion kafka = new KafkaCompanion(EmbeddedKafkaResource.broker().bootstrapServers());

    private static Path storeRoot() {
        return Path.of(ConfigProvider.getConfig().getValue("cpt.store.root", String.class)).toAbsolutePath();
    }

    /** A real checkpoint of an untrained tiny model, written where the trainer would write it. */
    private static CheckpointEvent checkpoint(String run, long step) throws Exception {
        Path dir = storeRoot().resolve(run).resolve("step-" + step);
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), step)) {
            CheckpointInfo info = model.save(dir, Map.of());
            return new CheckpointEvent(run, step, dir.toRealPath().toUri().toString(), info.manifestSha256(), 0,
                    Map.of(), List.of(), Instant.now());
        }
    }

    private void send(String topic, String key, String value) {
        kafka.produceStrings().fromRecords(new ProducerRecord<>(topic, key, value)).awaitCompletion(Duration.ofSeconds(30));
    }

    private EvalReport awaitReport(String run) {
        var r = AwaitRecord.first(kafka, rec -> rec.key().equals(run), Duration.ofSeconds(120), EvalReport.TOPIC);
        return Json.read(r.value(), EvalReport.class);
    }

    @Test
    void aCheckpointIsScoredPerDomainOnTheHeldOutSet() throws Exception {
        send(Document.HELDOUT_TOPIC, "astronomy", Json.write(new Document("h-1", "astronomy", "Stars", "bytes",
                "Stars are suns far away.".chars().toArray(), "test", Instant.now())));
        // The held-out consumer runs beside the checkpoint consumer; wait until it has the document.
        AwaitRecord.first(kafka, r -> r.value().contains("h-1"), Duration.ofSeconds(30), Document.HELDOUT_TOPIC);
        Thread.sleep(1000);

        send(CheckpointEvent.TOPIC, "run-ok", Json.write(checkpoint("run-ok", 1)));

        EvalReport report = awaitReport("run-ok");
        assertNull(report.error());
        var score = report.domains().get("astronomy");
        assertEquals(23, score.tokens());
        // An untrained model over 256 byte ids scores about ln(256) = 5.55 nats.
        assertTrue(score.loss() > 4.5 && score.loss() < 6.5, "loss " + score.loss());
        assertEquals(64, report.heldoutSetSha256().length());
    }

    @Test
    void aCorruptedCheckpointYieldsAnErrorReport() throws Exception {
        CheckpointEvent event = checkpoint("run-corrupt", 2);
        try (var file = new RandomAccessFile(Path.of(java.net.URI.create(event.uri())).resolve("model.safetensors").toFile(), "rw")) {
            file.seek(file.length() - 1);
            int last = file.read();
            file.seek(file.length() - 1);
            file.write(last ^ 0xff);
        }
        send(CheckpointEvent.TOPIC, "run-corrupt", Json.write(event));

        EvalReport report = awaitReport("run-corrupt");
        assertTrue(report.error().contains("model.safetensors"), report.error());
        assertTrue(report.domains().isEmpty());
    }

    @Test
    void aCheckpointUriOutsideTheStoreIsRefused() throws Exception {
        CheckpointEvent real = checkpoint("run-escape", 3);
        var escape = new CheckpointEvent("run-escape", 3, storeRoot().toRealPath().toUri() + "../../../../etc", real.sha256(),
                0, Map.of(), List.of(), Instant.now());
        send(CheckpointEvent.TOPIC, "run-escape", Json.write(escape));

        EvalReport report = awaitReport("run-escape");
        assertTrue(report.error().contains("outside the store root"), report.error());
    }

    @Test
    void anUnreadableEventGoesToTheDeadLetterTopic() {
        send(CheckpointEvent.TOPIC, "run-x", "{\"runId\":\"run-x\",\"sha256\":\"nothex\"}");

        var dead = AwaitRecord.first(kafka, r -> r.value().contains("nothex"), Duration.ofSeconds(60), DeadLetters.EVAL);
        String reason = new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8);
        assertTrue(reason.startsWith("not a valid CheckpointEvent"), reason);
    }

    @Override
    protected void exerciseService() {
        try {
            send(Document.HELDOUT_TOPIC, "metrics", Json.write(new Document("m-1", "metrics", "m", "bytes",
                    new int[] {1, 2, 3}, "test", Instant.now())));
            Thread.sleep(1000);
            send(CheckpointEvent.TOPIC, "run-metrics", Json.write(checkpoint("run-metrics", 4)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        awaitReport("run-metrics");
    }

    @Override
    protected List<String> expectedMeters() {
        return List.of("cpt_eval_reports_total{outcome=\"ok\",run=\"run-metrics\"", "cpt_eval_loss{domain=\"metrics\"",
                "cpt_eval_perplexity{domain=\"metrics\"", "cpt_eval_forgetting{domain=\"metrics\"");
    }
}

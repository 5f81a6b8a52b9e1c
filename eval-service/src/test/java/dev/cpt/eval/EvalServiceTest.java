package dev.cpt.eval;

import static dev.cpt.contracts.metrics.Metrics.EVAL_BWT;
import static dev.cpt.contracts.metrics.Metrics.EVAL_CHECKPOINT_TO_REPORT;
import static dev.cpt.contracts.metrics.Metrics.EVAL_FORGETTING;
import static dev.cpt.contracts.metrics.Metrics.EVAL_FORGETTING_VS_BASE;
import static dev.cpt.contracts.metrics.Metrics.EVAL_GATE_RELEASED;
import static dev.cpt.contracts.metrics.Metrics.EVAL_HELDOUT_DOCUMENTS;
import static dev.cpt.contracts.metrics.Metrics.EVAL_HELDOUT_TOKENS_SCORED;
import static dev.cpt.contracts.metrics.Metrics.EVAL_LAST_GOOD_RELEASE_STEP;
import static dev.cpt.contracts.metrics.Metrics.EVAL_LOSS;
import static dev.cpt.contracts.metrics.Metrics.EVAL_MATRIX;
import static dev.cpt.contracts.metrics.Metrics.EVAL_PERPLEXITY;
import static dev.cpt.contracts.metrics.Metrics.EVAL_REGRESSION;
import static dev.cpt.contracts.metrics.Metrics.EVAL_REPORTS;
import static dev.cpt.contracts.metrics.Metrics.EVAL_STABILITY_GAP_DEPTH;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.ReleaseEvent;
import dev.cpt.contracts.RunMetadata;
import dev.cpt.model.CheckpointInfo;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.service.CheckpointStore;
import dev.cpt.testkit.AwaitRecord;
import dev.cpt.testkit.EmbeddedKafkaResource;
import dev.cpt.testkit.ServiceEndpointsTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(EmbeddedKafkaResource.class)
class EvalServiceTest extends ServiceEndpointsTest {
    private final KafkaCompanion kafka =
            new KafkaCompanion(EmbeddedKafkaResource.broker().bootstrapServers());

    private static Path storeRoot() {
        return Path.of(ConfigProvider.getConfig().getValue("cpt.store.root", String.class))
                .toAbsolutePath();
    }

    /** A real checkpoint of an untrained tiny model, written where the trainer would write it. */
    private static CheckpointEvent checkpoint(String run, long step) throws Exception {
        Path dir = storeRoot().resolve(run).resolve("step-" + step);
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), step)) {
            CheckpointInfo info = model.save(dir, Map.of());
            return new CheckpointEvent(
                    run,
                    step,
                    dir.toRealPath().toUri().toString(),
                    info.manifestSha256(),
                    0,
                    Map.of(),
                    List.of(),
                    Instant.now());
        }
    }

    /** A real checkpoint of {@code model} as the trainer writes it, with the training tokens per domain seen so far. */
    private static CheckpointEvent checkpoint(String run, long step, LanguageModel model, Map<String, Long> tokens)
            throws Exception {
        return checkpoint(run, step, model, tokens, Map.of());
    }

    /** As above, with manifest metadata (a GRPO stage's names its branch point). */
    private static CheckpointEvent checkpoint(
            String run, long step, LanguageModel model, Map<String, Long> tokens, Map<String, String> metadata)
            throws Exception {
        Path dir = storeRoot().resolve(run).resolve(CheckpointStore.stepDirectory(step));
        CheckpointInfo info = model.save(dir, metadata);
        return new CheckpointEvent(
                run,
                step,
                dir.toRealPath().toUri().toString(),
                info.manifestSha256(),
                tokens.values().stream().mapToLong(Long::longValue).sum(),
                tokens,
                List.of(),
                Instant.now());
    }

    /** Documents of one domain: short lines of text made by {@code line}, as byte tokens. */
    private static List<int[]> documents(int count, java.util.function.IntFunction<String> line) {
        return IntStream.range(0, count)
                .mapToObj(i -> line.apply(i).getBytes(StandardCharsets.UTF_8))
                .map(b -> IntStream.range(0, b.length).map(k -> b[k] & 0xff).toArray())
                .toList();
    }

    /** Trains on {@code docs} (rows of at most context + 1 tokens), {@code steps} steps of 8 rows each. */
    private static long train(LanguageModel model, List<int[]> docs, int steps, double lr) {
        var settings = OptimizerSettings.defaults().withLearningRate(lr);
        int window = model.decoderConfig().contextLength() + 1;
        long tokens = 0;
        for (int s = 0; s < steps; s++) {
            int[][] rows = new int[8][];
            for (int r = 0; r < rows.length; r++) {
                int[] doc = docs.get((s * rows.length + r) % docs.size());
                rows[r] = Arrays.copyOf(doc, Math.min(doc.length, window));
                tokens += rows[r].length;
            }
            assertTrue(model.trainStep(rows, settings).applied());
        }
        return tokens;
    }

    private void sendHeldout(String domain, List<int[]> docs) {
        for (int i = 0; i < docs.size(); i++) {
            send(
                    Document.HELDOUT_TOPIC,
                    domain,
                    Json.write(
                            new Document(domain + "-h" + i, domain, "t", "bytes", docs.get(i), "test", Instant.now())));
        }
    }

    private EvalReport awaitReport(String run, long step) {
        var r = AwaitRecord.first(
                kafka,
                rec -> rec.key().equals(run)
                        && Json.read(rec.value(), EvalReport.class).step() == step,
                Duration.ofSeconds(120),
                EvalReport.TOPIC);
        return Json.read(r.value(), EvalReport.class);
    }

    private void send(String topic, String key, String value) {
        kafka.produceStrings()
                .fromRecords(new ProducerRecord<>(topic, key, value))
                .awaitCompletion(Duration.ofSeconds(30));
    }

    private EvalReport awaitReport(String run) {
        var r = AwaitRecord.first(kafka, rec -> rec.key().equals(run), Duration.ofSeconds(120), EvalReport.TOPIC);
        return Json.read(r.value(), EvalReport.class);
    }

    @Test
    void aCheckpointIsScoredPerDomainOnTheHeldOutSet() throws Exception {
        send(
                Document.HELDOUT_TOPIC,
                "astronomy",
                Json.write(new Document(
                        "h-1",
                        "astronomy",
                        "Stars",
                        "bytes",
                        "Stars are suns far away.".chars().toArray(),
                        "test",
                        Instant.now())));
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
        try (var file = new RandomAccessFile(
                Path.of(java.net.URI.create(event.uri()))
                        .resolve("model.safetensors")
                        .toFile(),
                "rw")) {
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
    void theSameCheckpointScoredTwiceGivesTheSameReport() throws Exception {
        send(
                Document.HELDOUT_TOPIC,
                "twice",
                Json.write(new Document(
                        "tw-1",
                        "twice",
                        "t",
                        "bytes",
                        "Twice the same text, scored twice.".chars().toArray(),
                        "test",
                        Instant.now())));
        CheckpointEvent base = checkpoint("run-twice", 0);
        send(CheckpointEvent.TOPIC, "run-twice", Json.write(base));
        awaitReport("run-twice", 0);
        CheckpointEvent event;
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 11)) {
            event = checkpoint("run-twice", 5, model, Map.of("twice", 100L));
        }
        send(CheckpointEvent.TOPIC, "run-twice", Json.write(event));
        send(CheckpointEvent.TOPIC, "run-twice", Json.write(event));

        var both = AwaitRecord.all(
                kafka,
                r -> r.key().equals("run-twice")
                        && Json.read(r.value(), EvalReport.class).step() == 5,
                2,
                Duration.ofSeconds(120),
                EvalReport.TOPIC);
        var first = Json.MAPPER.readTree(both.get(0).value());
        var second = Json.MAPPER.readTree(both.get(1).value());
        ((com.fasterxml.jackson.databind.node.ObjectNode) first).remove("at");
        ((com.fasterxml.jackson.databind.node.ObjectNode) second).remove("at");
        assertEquals(first, second);
        EvalReport report = Json.read(both.get(0).value(), EvalReport.class);
        assertNull(report.error());
        assertEquals(0, report.continual().baseStep());
        assertEquals(List.of("twice"), report.gate().targetDomains());
    }

    /**
     * Real training: a tiny model learns "prose" (released: its target improved, nothing protected regressed), then is
     * trained hard on "digits" with a high learning rate, which makes it forget prose (blocked; a regression after the
     * release, naming the release to roll back to).
     */
    @Test
    void theGateReleasesACheckpointThatLearnsAndBlocksOneThatForgets() throws Exception {
        List<int[]> prose =
                documents(40, i -> "The river runs past the old mill and the children walk home " + i % 7 + " times.");
        List<int[]> digits =
                documents(40, i -> String.valueOf(1_000_000_007L * (i + 3)).repeat(5));
        sendHeldout("gate-prose", prose.subList(32, 40));

        CheckpointEvent base;
        CheckpointEvent learned;
        CheckpointEvent forgot;
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 21)) {
            base = checkpoint("run-gate", 0, model, Map.of());
            long proseTokens = train(model, prose.subList(0, 32), 40, 3e-3);
            learned = checkpoint("run-gate", 40, model, Map.of("gate-prose", proseTokens));
            long digitTokens = train(model, digits.subList(0, 32), 40, 2e-2);
            forgot = checkpoint("run-gate", 80, model, Map.of("gate-prose", proseTokens, "gate-digits", digitTokens));
        }
        send(CheckpointEvent.TOPIC, "run-gate", Json.write(base));
        send(CheckpointEvent.TOPIC, "run-gate", Json.write(learned));
        EvalReport good = awaitReport("run-gate", 40);
        // The digits' held-out documents arrive only now, after the base and step 40 were scored without them.
        sendHeldout("gate-digits", digits.subList(32, 40));
        send(CheckpointEvent.TOPIC, "run-gate", Json.write(forgot));

        assertTrue(good.gate().released(), good.gate().reason());
        assertEquals(List.of("gate-prose"), good.gate().targetDomains());
        var release = Json.read(
                AwaitRecord.first(kafka, r -> r.key().equals("run-gate"), Duration.ofSeconds(60), ReleaseEvent.TOPIC)
                        .value(),
                ReleaseEvent.class);
        assertEquals(40, release.step());
        assertEquals(learned.sha256(), release.checkpointSha256());
        assertEquals(good.domains().get("gate-prose").loss(), release.losses().get("gate-prose"), 0);

        EvalReport bad = awaitReport("run-gate", 80);
        assertFalse(bad.gate().released(), bad.gate().reason());
        assertTrue(
                bad.gate().reason().contains("protected gate-prose regressed"),
                bad.gate().reason());
        assertTrue(bad.gate().regression());
        assertEquals(40L, bad.gate().lastGoodReleaseStep());
        assertTrue(bad.continual().forgetting().get("gate-prose") > 0.05);
        assertTrue(
                bad.continual().backwardTransfer() < -0.05,
                "BWT " + bad.continual().backwardTransfer());
        // The base (step 0) and phase 0's last checkpoint were rescored on the digits set, so R and FWT are complete.
        assertEquals(2, bad.continual().matrix().size());
        assertNotNull(bad.continual().matrix().get(0).losses().get("gate-digits"));
        assertNotNull(bad.continual().forwardTransfer());
        assertEquals(
                1,
                bad.continual().stabilityGaps().stream()
                        .filter(g -> g.domain().equals("gate-prose"))
                        .count());

        given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString(EVAL_REGRESSION.prometheusName() + "{run=\"run-gate\"} 1.0"))
                .body(containsString(EVAL_LAST_GOOD_RELEASE_STEP.prometheusName() + "{run=\"run-gate\"} 40.0"))
                .body(containsString(
                        EVAL_MATRIX.prometheusName() + "{domain=\"gate-prose\",phase=\"0\",run=\"run-gate\"}"))
                .body(containsString(EVAL_BWT.prometheusName() + "{run=\"run-gate\"}"))
                .body(containsString(EVAL_STABILITY_GAP_DEPTH.prometheusName()
                        + "{domain=\"gate-prose\",phase=\"1\",run=\"run-gate\"}"));
    }

    /**
     * A GRPO stage's step 0 holds its branch point's weights byte for byte: its report takes the branch point's scores
     * and scores nothing; a branch whose weights differ is scored.
     */
    @Test
    void aBranchCheckpointWithItsBranchPointsWeightsTakesThatReportsScores() throws Exception {
        List<int[]> docs = documents(12, i -> "A branch of the river turns west after " + i + " miles of marsh.");
        sendHeldout("branch-prose", docs.subList(8, 12));
        CheckpointEvent point;
        CheckpointEvent same;
        CheckpointEvent moved;
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 31)) {
            point = checkpoint("run-trunk", 3, model, Map.of());
            Map<String, String> branch = Map.of(RunMetadata.BRANCH_BASE, point.uri());
            same = checkpoint("run-trunk-grpo-same", 0, model, Map.of(), branch);
            train(model, docs.subList(0, 8), 2, 1e-2);
            moved = checkpoint("run-trunk-grpo-moved", 0, model, Map.of(), branch);
        }
        send(CheckpointEvent.TOPIC, "run-trunk", Json.write(point));
        EvalReport trunk = awaitReport("run-trunk", 3);
        send(CheckpointEvent.TOPIC, "run-trunk-grpo-same", Json.write(same));
        EvalReport reused = awaitReport("run-trunk-grpo-same", 0);
        send(CheckpointEvent.TOPIC, "run-trunk-grpo-moved", Json.write(moved));
        EvalReport scored = awaitReport("run-trunk-grpo-moved", 0);

        assertNull(reused.error());
        assertEquals(trunk.domains(), reused.domains());
        assertEquals(same.sha256(), reused.checkpointSha256());
        assertFalse(
                reused.gate().released(),
                "a branch run's step 0 is never released: " + reused.gate().reason());
        assertEquals(3L, reused.gate().referenceStep());
        assertNotEquals(
                trunk.domains().get("branch-prose").loss(),
                scored.domains().get("branch-prose").loss(),
                "trained weights, scored afresh");
        String tokensScored = EVAL_HELDOUT_TOKENS_SCORED.prometheusName();
        String metrics = given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertTrue(metrics.contains(tokensScored + "{run=\"run-trunk\"}"), "the branch point was scored");
        assertTrue(metrics.contains(tokensScored + "{run=\"run-trunk-grpo-moved\"}"), "the moved branch was scored");
        assertFalse(metrics.contains(tokensScored + "{run=\"run-trunk-grpo-same\"}"), "the same weights were not");
    }

    @Test
    void aCheckpointUriOutsideTheStoreIsRefused() throws Exception {
        CheckpointEvent real = checkpoint("run-escape", 3);
        var escape = new CheckpointEvent(
                "run-escape",
                3,
                storeRoot().toRealPath().toUri() + "../../../../etc",
                real.sha256(),
                0,
                Map.of(),
                List.of(),
                Instant.now());
        send(CheckpointEvent.TOPIC, "run-escape", Json.write(escape));

        EvalReport report = awaitReport("run-escape");
        assertTrue(report.error().contains("outside the store root"), report.error());
    }

    @Test
    void anUnreadableEventGoesToTheDeadLetterTopic() {
        send(CheckpointEvent.TOPIC, "run-x", "{\"runId\":\"run-x\",\"sha256\":\"nothex\"}");

        var dead =
                AwaitRecord.first(kafka, r -> r.value().contains("nothex"), Duration.ofSeconds(60), DeadLetters.EVAL);
        String reason =
                new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8);
        assertTrue(reason.startsWith("not a valid CheckpointEvent"), reason);
    }

    @Override
    protected void exerciseService() {
        try {
            send(
                    Document.HELDOUT_TOPIC,
                    "metrics",
                    Json.write(
                            new Document("m-1", "metrics", "m", "bytes", new int[] {1, 2, 3}, "test", Instant.now())));
            Thread.sleep(1000);
            send(CheckpointEvent.TOPIC, "run-metrics", Json.write(checkpoint("run-metrics", 4)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        awaitReport("run-metrics");
    }

    @Override
    protected List<String> expectedMeters() {
        return List.of(
                EVAL_REPORTS.prometheusName() + "{outcome=\"ok\",run=\"run-metrics\"",
                EVAL_LOSS.prometheusName() + "{domain=\"metrics\"",
                EVAL_PERPLEXITY.prometheusName() + "{domain=\"metrics\"",
                EVAL_FORGETTING.prometheusName() + "{domain=\"metrics\"",
                EVAL_FORGETTING_VS_BASE.prometheusName() + "{domain=\"metrics\"",
                EVAL_CHECKPOINT_TO_REPORT.count() + "{run=\"run-metrics\"",
                EVAL_GATE_RELEASED.prometheusName() + "{run=\"run-metrics\"",
                EVAL_REGRESSION.prometheusName() + "{run=\"run-metrics\"",
                EVAL_HELDOUT_DOCUMENTS.prometheusName() + "{domain=\"metrics\"");
    }
}

package dev.cpt.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.IngestReply;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import dev.cpt.contracts.RewardRequest;
import dev.cpt.contracts.RewardResponse;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.e2e.interop.PlainProducer;
import dev.cpt.launcher.ExportCommand;
import dev.cpt.launcher.Main;
import dev.cpt.launcher.Service;
import dev.cpt.launcher.Stack;
import dev.cpt.launcher.StackOptions;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.LlamaConfig;
import dev.cpt.model.io.DecoderConfigJson;
import dev.cpt.model.tokenizer.HuggingFaceTokenizerAdapter;
import dev.cpt.model.tokenizer.TokenizerStore;
import dev.cpt.testkit.AwaitRecord;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop as the launcher runs it: a real KRaft broker and the five packaged services as child processes.
 * The trainer starts from a Llama-layout Hugging Face directory the test writes, as a user would hand it one, and
 * ingest and the mixer cut text with that directory's {@code tokenizer.json}. A document posted to ingest must come out the other
 * end as a batch, a trained checkpoint and an eval report, and the checkpoint exported as {@code cpt export} does must
 * be the same model again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the granite document's batch must hold only its own domain
class EmbeddedStackIT {
    private static final Duration LOOP_TIMEOUT = Duration.ofMinutes(4);
    /**
     * The shipped byte-level BPE (Llama 3's split pattern and special tokens, 2,048 ids), trained on the project's
     * corpora by {@code BpeTrainer}.
     */
    private static final Path SHIPPED_TOKENIZER =
            Path.of("cpt-model/src/test/resources/tokenizers/byte-level-bpe/tokenizer.json");

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** Every value of the producer setting {@code compression.type} in kafka-clients 4.1. */
    private static final List<String> CODECS = List.of("none", "gzip", "snappy", "lz4", "zstd");

    private static final int RECORDS_PER_CODEC = 20;
    /** The base: a tiny Llama over the shipped tokenizer's 2,048 ids. */
    private static final LlamaConfig BASE = LlamaConfig.tiny(2048);

    @TempDir
    static Path dataDir;

    private static Stack stack;
    /** The Hugging Face directory the trainer starts from. */
    private static Path base;

    @RegisterExtension
    static final StackLogsOnFailure LOGS_ON_FAILURE = new StackLogsOnFailure(() -> stack);

    private static KafkaCompanion kafka;

    @BeforeAll
    static void startStack() throws IOException {
        base = writeLlamaBase(dataDir.resolve("base-llama"));
        StackOptions options = StackOptions.ephemeral(DeployFiles.repoRoot(), dataDir.resolve("stack"))
                .with("cpt.trainer.checkpoint-every-steps", "1")
                // The test exports a checkpoint after eval has reported on it, when newer ones may have come: retention
                // would be free to delete it then.
                .with("cpt.trainer.retention.keep-last", "0")
                // the trainer starts from it; ingest and the mixer cut and check text with its tokenizer.json
                .withBaseModel(base)
                // sequences the base can take whole (a longer one would be dead-lettered by the trainer)
                .with("cpt.mixer.context-length", Integer.toString(BASE.contextLength()))
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

    /**
     * A random tiny Llama (grouped-query attention, untied head) with the shipped BPE, written as Hugging Face lays a
     * model out: what a user downloads and points the trainer at.
     */
    private static Path writeLlamaBase(Path dir) throws IOException {
        try (HuggingFaceTokenizerAdapter tokenizer =
                        HuggingFaceTokenizerAdapter.load(DeployFiles.repoRoot().resolve(SHIPPED_TOKENIZER));
                LanguageModel model = LanguageModel.create(BASE, 18, tokenizer, Device.cpu())) {
            model.exportHuggingFace(dir);
        }
        return dir;
    }

    @Test
    @Order(2)
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

        // ingest -> cpt.documents, tokenized with the base's tokenizer.json
        Document document = Json.read(
                AwaitRecord.first(kafka, r -> r.value().contains("e2e-granite"), LOOP_TIMEOUT, Document.TOPIC)
                        .value(),
                Document.class);
        String fingerprint;
        try (HuggingFaceTokenizerAdapter tokenizer =
                HuggingFaceTokenizerAdapter.load(base.resolve(TokenizerStore.HF_FILE))) {
            assertArrayEquals(tokenizer.encode(text), document.tokens());
            fingerprint = tokenizer.fingerprint();
        }
        assertEquals(fingerprint, document.tokenizerFingerprint());
        // mixer -> cpt.batches, stamped with the same tokenizer (the trainer refuses a batch of another)
        var batch = AwaitRecord.first(kafka, r -> r.value().contains("e2e-granite"), LOOP_TIMEOUT, TrainingBatch.TOPIC);
        assertEquals(fingerprint, Json.read(batch.value(), TrainingBatch.class).tokenizerFingerprint());
        assertTrue(Json.read(batch.value(), TrainingBatch.class).sequences().stream()
                .allMatch(s -> s.domain().equals("geology")));
        // trainer -> cpt.checkpoints
        var checkpoint = LoopWaits.checkpointTrainedOn(kafka, "geology", document.tokens().length, LOOP_TIMEOUT);
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
        exportReimportsToTheCheckpointsLogits(Path.of(URI.create(checkpoint.uri())), document.tokens());

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

    /**
     * The stack as a user drives it from another terminal: {@code cpt ingest} of a directory, then {@code cpt status}
     * and {@code cpt report}, which find the stack through the {@code stack.json} it wrote to its data directory.
     */
    @Test
    @Order(4)
    void theCommandLineIngestsADirectoryAndReportsOnTheStack() throws Exception {
        Path docs = Files.createDirectories(dataDir.resolve("user-docs/notes"));
        Map<String, String> notes = Map.of(
                "quartz",
                "Quartz is a hard crystalline mineral built from silicon and oxygen atoms arranged in a continuous"
                        + " framework. It is the second most abundant mineral in the crust of the continents, and"
                        + " it resists weathering so well that beach sand in many places is almost pure quartz."
                        + " Clear crystals were once thought to be ice frozen so deeply that it could never melt.",
                "feldspar",
                "Feldspars are a group of aluminium silicate minerals that make up roughly half of the crust."
                        + " Potassium feldspar gives many granites their pink colour, while plagioclase ranges from"
                        + " sodium rich albite to calcium rich anorthite. Potters value weathered feldspar because it"
                        + " melts into the glassy bond that holds porcelain and stoneware together when fired.",
                "mica",
                "Micas split into thin flexible sheets because their atoms are bonded strongly within layers but"
                        + " only weakly between them. Muscovite is pale and nearly transparent; biotite is dark with"
                        + " iron and magnesium. Before glass was cheap, sheets of muscovite served as windows in"
                        + " stoves and lanterns, and today ground mica still adds shimmer to paint and cosmetics.",
                "olivine",
                "Olivine is an olive green silicate of magnesium and iron that crystallises early from hot basaltic"
                        + " magma. The upper mantle is thought to be largely olivine, which changes its structure"
                        + " under the pressures deeper down. At the surface it weathers quickly into clay and serpentine,"
                        + " yet some beaches in Hawaii are green with grains freshly eroded from lava flows.");
        for (var note : notes.entrySet()) {
            Files.writeString(docs.resolve(note.getKey() + ".txt"), note.getValue());
        }
        String obsidian = Json.write(new RawDocument(
                null,
                null,
                "Obsidian is a natural volcanic glass that forms when lava rich in silica cools so fast that"
                        + " crystals have no time to grow. It breaks with smooth curved surfaces and edges sharper"
                        + " than steel, which is why people across the world shaped it into blades, arrowheads and"
                        + " mirrors long before metal tools existed. Over millions of years it slowly turns to rock.",
                null));
        Files.writeString(docs.resolve("more.jsonl"), obsidian + "\n" + obsidian + "\nnot json\n");
        Files.writeString(docs.resolve("photo.png"), "not a document");
        Path stackDir = stack.options().dataDir();

        CommandOutput ingest =
                cpt("ingest", docs.getParent().toString(), "--domain", "minerals", "--data-dir", stackDir.toString());
        System.out.println(ingest.out()); // what the user sees, in the test's output for a failure's diagnosis
        assertEquals(0, ingest.status(), ingest.toString());
        assertTrue(ingest.out().contains("5 files sent"), ingest.out());
        assertTrue(ingest.out().contains("1 other files skipped"), ingest.out());
        assertTrue(ingest.out().contains("accepted   5 "), ingest.out());
        assertTrue(ingest.out().contains("duplicate  1 (exact 1)"), ingest.out());
        assertTrue(ingest.out().contains("rejected   1 (malformed 1)"), ingest.out());
        assertTrue(ingest.out().contains("more.jsonl:3"), "the rejected line is named: " + ingest.out());

        var trained = LoopWaits.checkpointTrainedOn(kafka, "minerals", 1, LOOP_TIMEOUT);
        AwaitRecord.first(
                kafka,
                r -> Json.read(r.value(), EvalReport.class).step() >= trained.step(),
                LOOP_TIMEOUT,
                EvalReport.TOPIC);

        CommandOutput status = cpt("status", "--data-dir", stackDir.toString());
        System.out.println(status.out());
        assertEquals(0, status.status(), status.toString());
        for (Service s : Service.values()) {
            assertTrue(
                    status.out().lines().anyMatch(l -> l.contains(s.module()) && l.endsWith("UP")),
                    s.module() + " is not UP in: " + status.out());
        }
        assertTrue(status.out().contains("Consumer lag"), status.out());
        assertTrue(status.out().contains("Training: run " + trained.runId()), status.out());
        assertTrue(status.out().contains("held-out loss"), status.out());
        assertTrue(status.out().contains("Mixture: round"), status.out());

        Path page = dataDir.resolve("user-report/report.html");
        CommandOutput report = cpt("report", "--data-dir", stackDir.toString(), "--out", page.toString());
        assertEquals(0, report.status(), report.toString());
        String html = Files.readString(page);
        assertTrue(html.contains("Continual pre-training: " + trained.runId()), html);
        assertTrue(html.contains("<svg"), "the loss figure is drawn");
        assertTrue(html.contains("minerals"), "the ingested domain is in the report");
    }

    private record CommandOutput(int status, String out, String err) {}

    private static CommandOutput cpt(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cli = Main.commandLine();
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        int status = cli.execute(args);
        return new CommandOutput(status, out.toString(), err.toString());
    }

    /**
     * The trained checkpoint through {@code cpt export}'s code path: a float32 Hugging Face directory of the base's
     * family and shape, which re-imports to exactly the checkpoint's logits.
     */
    private static void exportReimportsToTheCheckpointsLogits(Path checkpoint, int[] tokens) throws IOException {
        Path out = dataDir.resolve("export");
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        int status = ExportCommand.run(
                new String[] {"export", "--checkpoint", checkpoint.toString(), "--out", out.toString()},
                new PrintStream(said, true, StandardCharsets.UTF_8),
                new PrintStream(said, true, StandardCharsets.UTF_8));
        assertEquals(0, status, said.toString(StandardCharsets.UTF_8));

        JsonNode config =
                Json.MAPPER.readTree(out.resolve(LanguageModel.CONFIG_FILE).toFile());
        assertEquals("llama", config.path("model_type").asText(), config.toString());
        assertEquals(BASE, DecoderConfigJson.read(out.resolve(LanguageModel.CONFIG_FILE)));
        assertArrayEquals(
                Files.readAllBytes(base.resolve(TokenizerStore.HF_FILE)),
                Files.readAllBytes(out.resolve(TokenizerStore.HF_FILE)),
                "the export carries the tokenizer the run was trained with");

        int[][] probe = {Arrays.copyOf(tokens, Math.min(tokens.length, BASE.contextLength()))};
        try (LanguageModel trained = LanguageModel.load(checkpoint);
                LanguageModel exported = LanguageModel.importHuggingFace(out);
                LanguageModel untrained = LanguageModel.importHuggingFace(base)) {
            float[][][] expected = trained.logits(probe);
            float[][][] actual = exported.logits(probe);
            for (int t = 0; t < probe[0].length; t++) {
                assertArrayEquals(expected[0][t], actual[0][t], "position " + t);
            }
            assertFalse(
                    Arrays.equals(expected[0][0], untrained.logits(probe)[0][0]),
                    "the checkpoint should hold weights trained from the base, not the base itself");
        }
    }

    @Test
    @Order(3)
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

    /**
     * Interop with standard clients: a plain kafka-clients producer, in a JVM of its own on kafka-clients and its
     * compression libraries alone (not this test's class path), writes raw documents to the raw topic with each
     * compression codec Kafka offers. The broker must take every batch (it validates, and so decompresses, what it
     * receives) and ingest must decompress and accept every record: each document comes out on cpt.documents or
     * cpt.heldout (its split) and none on the dead-letter topic. Ids name their codec, so a failure says which broke.
     */
    @Test
    @Order(1)
    void aPlainProducerWritesRawDocumentsWithEveryCompressionCodec() throws Exception {
        Map<String, String> failures = new TreeMap<>();
        Map<String, String> expected = new LinkedHashMap<>(); // id -> codec
        // One JVM per codec, all at once: each spends most of its life starting up, not sending.
        Map<String, Process> producers = new LinkedHashMap<>();
        for (String codec : CODECS) {
            producers.put(codec, startPlainProducer(codec));
        }
        for (String codec : CODECS) {
            String failure = awaitPlainProducer(codec, producers.get(codec));
            if (failure != null) {
                failures.put(codec, failure);
                continue;
            }
            for (int i = 0; i < RECORDS_PER_CODEC; i++) {
                expected.put(PlainProducer.id(codec, i), codec);
            }
        }

        Set<String> missing = awaitIngested(expected.keySet(), Duration.ofMinutes(2));
        for (String id : missing) {
            failures.merge(expected.get(id), "not ingested: " + id, (a, b) -> a + ", " + b);
        }
        for (ConsumerRecord<String, String> r :
                TopicReader.readAll(stack.kafka().bootstrapServers(), DeadLetters.INGEST)) {
            String codec = expected.entrySet().stream()
                    .filter(e -> r.value().contains("\"" + e.getKey() + "\""))
                    .map(Map.Entry::getValue)
                    .findFirst()
                    .orElse(null);
            if (codec != null) {
                var reason = r.headers().lastHeader(DeadLetters.REASON_HEADER);
                failures.merge(
                        codec,
                        "dead-lettered: "
                                + (reason == null ? "(no reason)" : new String(reason.value(), StandardCharsets.UTF_8)),
                        (a, b) -> a + "; " + b);
            }
        }
        assertTrue(failures.isEmpty(), "codecs that failed: " + failures);
    }

    /** Starts PlainProducer for one codec in its own JVM, its output in the codec's log file. */
    private static Process startPlainProducer(String codec) throws Exception {
        String jars = Files.readString(Path.of(requiredProperty("cpt.e2e.plain-client.classpath")))
                .trim();
        String classPath = jars + java.io.File.pathSeparator + requiredProperty("cpt.e2e.plain-client.classes");
        return new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        classPath,
                        PlainProducer.class.getName(),
                        stack.kafka().bootstrapServers(),
                        RawDocument.TOPIC,
                        codec,
                        String.valueOf(RECORDS_PER_CODEC))
                .redirectErrorStream(true)
                .redirectOutput(plainProducerLog(codec).toFile())
                .start();
    }

    private static Path plainProducerLog(String codec) {
        return dataDir.resolve("plain-producer-" + codec + ".log");
    }

    /** Null when the codec's producer sent every record, else what went wrong. */
    private static String awaitPlainProducer(String codec, Process p) throws Exception {
        Path log = plainProducerLog(codec);
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            return "the producer did not finish within 90 s: " + Files.readString(log);
        }
        return p.exitValue() == 0 ? null : "the producer exited " + p.exitValue() + ": " + Files.readString(log);
    }

    /** Waits until every id is on cpt.documents or cpt.heldout; returns those still missing at the deadline. */
    private static Set<String> awaitIngested(Set<String> ids, Duration timeout) throws InterruptedException {
        Set<String> missing = new HashSet<>(ids);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
            List<ConsumerRecord<String, String>> out = new ArrayList<>();
            out.addAll(TopicReader.readAll(stack.kafka().bootstrapServers(), Document.TOPIC));
            out.addAll(TopicReader.readAll(stack.kafka().bootstrapServers(), Document.HELDOUT_TOPIC));
            for (ConsumerRecord<String, String> r : out) {
                if (r.value().contains("\"interop-")) {
                    missing.remove(Json.read(r.value(), Document.class).id());
                }
            }
            if (!missing.isEmpty()) {
                Thread.sleep(1000);
            }
        }
        return missing;
    }

    private static String requiredProperty(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            throw new IllegalStateException(name + " is not set: run this test with Maven (failsafe sets it)");
        }
        return value;
    }
}

package dev.cpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.GrpoStatus;
import dev.cpt.contracts.GrpoTaskExample;
import dev.cpt.contracts.IngestReply;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import dev.cpt.contracts.RewardResponse;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.kafka.ScramUser;
import dev.cpt.launcher.Service;
import dev.cpt.launcher.Stack;
import dev.cpt.launcher.StackOptions;
import dev.cpt.reward.encoder.BertConfig;
import dev.cpt.reward.encoder.EncoderHead;
import dev.cpt.reward.encoder.Pooling;
import dev.cpt.reward.encoder.SentenceEncoder;
import dev.cpt.reward.encoder.WordPieceVocabulary;
import dev.cpt.testkit.AwaitRecord;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole stack against a broker whose client port accepts only SASL_SSL with SCRAM-SHA-256 (self-signed TLS made
 * with keytool, the SCRAM user created when the broker formats its log): the launcher creates the topics and every
 * service reaches the broker with the same {@code KAFKA_*} settings ({@link Stack#kafkaEnvironment()}). A document goes
 * from ingest to an eval report; a GRPO stage on a JSONL task file gets its rewards over Kafka from reward-service,
 * which loads a sentence-transformers directory the test writes, and eval reports on the stage's checkpoint; and each
 * service given a wrong password stays unready with the broker's refusal in its log.
 */
// the GRPO stage must branch from weights the posted document trained, so that its gate has domains to protect
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecuredStackIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ScramUser USER = ScramUser.sha256("cpt", "cpt-secret");

    /** The GRPO stage's examples: at heldOutPercent 50 the SHA-256 of the ids holds out add-0 and add-3. */
    private static final List<GrpoTaskExample> TASKS = List.of(
            new GrpoTaskExample("add-0", "What is 17 + 25?", "17 plus 25 equals 42."),
            new GrpoTaskExample("add-1", "What is 8 + 5?", "8 plus 5 equals 13."),
            new GrpoTaskExample("add-2", "What is 30 + 12?", "30 plus 12 equals 42."),
            new GrpoTaskExample("add-3", "What is 6 + 7?", "6 plus 7 equals 13."));
    /** A line of the task file without a reference: refused and dead-lettered, the stage goes on without it. */
    private static final String TASK_WITHOUT_REFERENCE = "{\"id\": \"add-4\", \"prompt\": \"What is 1 + 1?\"}";

    @TempDir
    static Path dataDir;

    /** The sentence-transformers directory reward-service loads its encoder from. */
    private static Path rewardEncoder;

    private static Stack stack;
    private static KafkaCompanion kafka;
    /** The five services again, each with a wrong password, started beside the stack as soon as it is ready. */
    private static final List<WrongPassword> WRONG_PASSWORD = new ArrayList<>();

    private static ScheduledExecutorService sampler;

    @RegisterExtension
    static final StackLogsOnFailure LOGS_ON_FAILURE = new StackLogsOnFailure(() -> stack);

    @BeforeAll
    static void startStack() throws IOException {
        rewardEncoder = writeRewardEncoder(dataDir.resolve("reward-encoder"));
        StackOptions options = StackOptions.ephemeral(DeployFiles.repoRoot(), dataDir.resolve("stack"))
                .withSaslSsl(USER)
                .with("cpt.trainer.checkpoint-every-steps", "1")
                .with("cpt.mixer.flush-after", "1s")
                .with("cpt.reward.encoder.dir", rewardEncoder.toString());
        stack = Stack.start(options);
        kafka = new KafkaCompanion(stack.kafka().bootstrapServers());
        kafka.setCommonClientConfig(new HashMap<>(stack.kafkaClients().common()));
        startWrongPasswordServices();
    }

    @AfterAll
    static void stopStack() throws InterruptedException {
        if (sampler != null) {
            sampler.shutdownNow();
        }
        for (WrongPassword w : WRONG_PASSWORD) {
            w.process.destroy();
        }
        for (WrongPassword w : WRONG_PASSWORD) {
            if (!w.process.waitFor(20, TimeUnit.SECONDS)) {
                w.process.destroyForcibly();
            }
        }
        if (kafka != null) {
            kafka.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyServiceIsGivenTheSaslSslSettings() {
        Map<String, String> env = stack.kafkaEnvironment();
        assertEquals("SASL_SSL", env.get("KAFKA_SECURITY_PROTOCOL"));
        assertEquals("SCRAM-SHA-256", env.get("KAFKA_SASL_MECHANISM"));
        assertEquals(USER.jaasConfig(), env.get("KAFKA_SASL_JAAS_CONFIG"));
        assertTrue(Files.isRegularFile(Path.of(env.get("KAFKA_SSL_TRUSTSTORE_LOCATION"))), env.toString());
        assertEquals("SASL_SSL", stack.kafkaClients().common().get("security.protocol"));
    }

    @Test
    @Order(1)
    void aPostedDocumentBecomesAnEvalReport() throws Exception {
        String text = IntStream.range(0, 12)
                .mapToObj(i -> "Basalt is a volcanic rock, number " + i + ".")
                .collect(Collectors.joining(" "));
        HttpResponse<String> accepted = HTTP.send(
                HttpRequest.newBuilder(stack.service(Service.INGEST).url("/documents"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                Json.write(new RawDocument("sasl-basalt", "geology", text, null))))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, accepted.statusCode(), accepted.body());
        assertEquals(
                "TRAIN",
                Json.read(accepted.body(), IngestReply.class).accepted().get(0).split(),
                "the test document must fall in the training split");

        AwaitRecord.first(kafka, r -> r.value().contains("sasl-basalt"), TIMEOUT, Document.TOPIC);
        AwaitRecord.first(kafka, r -> r.value().contains("sasl-basalt"), TIMEOUT, TrainingBatch.TOPIC);
        CheckpointEvent checkpoint = LoopWaits.checkpointTrainedOn(kafka, "geology", 1, TIMEOUT);
        EvalReport report = LoopWaits.reportOn(kafka, checkpoint, TIMEOUT);
        assertNull(report.error());
        assertEquals(checkpoint.step(), report.step());
    }

    /**
     * The stack's reward service runs the encoder the test wrote: CLS pooling and Normalize, which only its
     * {@code modules.json} and {@code 1_Pooling/config.json} can have told it.
     */
    @Test
    void theRewardServiceLoadsTheSentenceTransformersDirectoryTheTestWrote() throws IOException {
        assertTrue(Files.isRegularFile(rewardEncoder.resolve("modules.json")));
        assertTrue(Files.isRegularFile(rewardEncoder.resolve("1_Pooling/config.json")));
        String log = Files.readString(stack.service(Service.REWARD).log());
        assertTrue(log.contains("loading the sentence encoder from " + rewardEncoder), log);
    }

    /**
     * A GRPO stage on the user's JSONL task file, over SASL_SSL: the line without a reference is dead-lettered with
     * its reason, the rollouts and held-out prompts are scored by reward-service, and eval reports on the stage's
     * last checkpoint.
     */
    @Test
    @Order(2)
    void aGrpoStageFromATaskFileGetsItsRewardsAndAnEvalReport() throws Exception {
        Path tasksFile = dataDir.resolve("grpo-tasks.jsonl");
        List<String> lines = new ArrayList<>();
        for (GrpoTaskExample task : TASKS) {
            lines.add(Json.write(task));
        }
        lines.add(2, TASK_WITHOUT_REFERENCE); // line 3
        Files.write(tasksFile, lines);
        ObjectNode spec = Json.MAPPER
                .createObjectNode()
                .put("tasksFile", tasksFile.toString())
                .put("heldOutPercent", 50)
                .put("prompts", 2)
                .put("heldOutPrompts", 2)
                .put("steps", 2)
                .put("groupSize", 2)
                .put("promptsPerStep", 2)
                .put("maxNewTokens", 8);
        HttpResponse<String> started = HTTP.send(
                HttpRequest.newBuilder(stack.service(Service.TRAINER).url("/grpo"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(Json.write(spec)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, started.statusCode(), started.body());
        String id = Json.read(started.body(), GrpoStatus.class).id();
        GrpoStatus status = awaitGrpo(id);
        assertEquals(GrpoStatus.SUCCEEDED, status.state(), status.toString());
        assertEquals(2, status.step(), status.toString());
        assertEquals(new GrpoStatus.Tasks(tasksFile.toString(), 4, 1, 2, 2), status.tasks());
        assertEquals(2, status.heldOutAnsweredBefore(), "held-out rewards missing: " + status);
        assertEquals(2, status.heldOutAnsweredAfter(), "held-out rewards missing: " + status);

        var dead = AwaitRecord.first(
                kafka, r -> TASK_WITHOUT_REFERENCE.equals(r.value()), Duration.ofSeconds(30), DeadLetters.TRAINER);
        String reason =
                new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8);
        assertTrue(reason.startsWith("line 3 of " + tasksFile + ": "), reason);
        assertTrue(reason.contains("reference is missing or blank"), reason);

        var reward = AwaitRecord.first(
                kafka, r -> r.value().contains("\"" + id + "-"), Duration.ofSeconds(30), RewardResponse.TOPIC);
        assertTrue(Json.read(reward.value(), RewardResponse.class).requestId().startsWith(id));

        CheckpointEvent last = Json.read(
                AwaitRecord.first(
                                kafka,
                                r -> {
                                    CheckpointEvent c = Json.read(r.value(), CheckpointEvent.class);
                                    return c.runId().equals(status.runId()) && c.step() == status.step();
                                },
                                TIMEOUT,
                                CheckpointEvent.TOPIC)
                        .value(),
                CheckpointEvent.class);
        EvalReport report = LoopWaits.reportOn(kafka, last, TIMEOUT);
        assertEquals(status.runId(), report.runId());
        assertEquals(status.step(), report.step());
        assertNull(report.error());

        // eval gates the stage against its branch point, a checkpoint the CPT run announced, protecting every domain
        // that checkpoint was trained on (the stage's checkpoints carry its tokens per domain)
        EvalReport.GateDecision gate = report.gate();
        EvalReport.BranchPoint branch = gate.branchPoint();
        assertNotNull(branch, gate.reason());
        assertEquals(status.runId(), branch.runId() + "-grpo-" + id);
        assertEquals(branch.step(), gate.referenceStep());
        assertTrue(gate.reason().contains(branch.describe()), gate.reason());
        AwaitRecord.first(
                kafka,
                r -> {
                    CheckpointEvent c = Json.read(r.value(), CheckpointEvent.class);
                    return c.runId().equals(branch.runId())
                            && c.step() == branch.step()
                            && c.uri().equals(branch.checkpointUri());
                },
                Duration.ofSeconds(30),
                CheckpointEvent.TOPIC);
        assertFalse(gate.protectedDomains().isEmpty(), "the branch point trained no domain: " + gate.reason());
        assertEquals(
                last.tokensPerDomain().entrySet().stream()
                        .filter(e -> e.getValue() > 0)
                        .map(Map.Entry::getKey)
                        .sorted()
                        .toList(),
                gate.protectedDomains(),
                gate.reason());
    }

    /**
     * Each of the five services started with the stack's settings but a wrong password: it never reports ready (its
     * HTTP server answers 503, the Kafka check down), and its log says that the broker refused the login.
     */
    @Test
    void aWrongPasswordKeepsEachServiceUnreadyAndItsLogSaysWhy() throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline
                && WRONG_PASSWORD.stream().anyMatch(w -> !w.readiness.contains(503) && w.process.isAlive())) {
            Thread.sleep(500);
        }
        Thread.sleep(10_000); // ten more seconds of samples once each answers
        for (WrongPassword w : WRONG_PASSWORD) {
            String log = Files.readString(w.log);
            String name = w.service.module();
            assertFalse(
                    w.readiness.contains(200),
                    name + " became ready with a wrong password: " + w.readiness + "\n" + log);
            assertTrue(
                    w.readiness.contains(503),
                    name + " with a wrong password should be up but not ready: " + w.readiness + "\n" + log);
            assertTrue(
                    log.lines().anyMatch(l -> l.contains("Authentication failed") && l.contains("invalid credentials")),
                    name + "'s log should say that the broker refused the login:\n" + log);
        }
    }

    /** One service with a wrong password, and every readiness status sampled since its start (-1: not listening). */
    private record WrongPassword(Service service, Process process, int port, Path log, List<Integer> readiness) {}

    private static void startWrongPasswordServices() throws IOException {
        Path dir = dataDir.resolve("wrong-password");
        Map<String, String> env = new HashMap<>(stack.kafkaEnvironment());
        env.put(
                "KAFKA_SASL_JAAS_CONFIG",
                new ScramUser(USER.mechanism(), USER.username(), "wrong-password").jaasConfig());
        env.put("CPT_STORE_ROOT", dir.resolve("checkpoints").toString());
        env.put("CPT_PARENT_PID", Long.toString(ProcessHandle.current().pid()));
        Files.createDirectories(dir);
        for (Service s : Service.values()) {
            int port = dev.cpt.kafka.EmbeddedKafka.freePort();
            Path log = dir.resolve(s.module() + ".log");
            Path jar = DeployFiles.repoRoot().resolve(s.module() + "/target/quarkus-app/quarkus-run.jar");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    s == Service.TRAINER ? "-Xmx1g" : "-Xmx512m",
                    "-XX:+UseSerialGC",
                    "-Dquarkus.http.port=" + port,
                    "-Dcpt.reward.encoder.preset=tiny",
                    "-Dcpt.ingest.state-dir=" + dir.resolve("ingest-state"),
                    "-Dcpt.ingest.inbox.dir=" + dir.resolve("inbox"),
                    "-Dcpt.mixer.state-dir=" + dir.resolve("mixer-state"),
                    "-Dcpt.eval.state-dir=" + dir.resolve("eval-state"),
                    "-jar",
                    jar.toString()));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(env);
            WRONG_PASSWORD.add(new WrongPassword(s, builder.start(), port, log, new CopyOnWriteArrayList<>()));
        }
        sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleWithFixedDelay(
                () -> WRONG_PASSWORD.forEach(w -> w.readiness.add(readiness(w.port))), 0, 500, TimeUnit.MILLISECONDS);
    }

    private static int readiness(int port) {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/q/health/ready"))
                                    .timeout(Duration.ofSeconds(3))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException notListening) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * A tiny random BERT (the stack's plumbing is under test, not the encoder's quality) with a vocabulary of the
     * tasks' words, saved as sentence-transformers does: CLS pooling and Normalize, so the head the service runs comes
     * from {@code modules.json} and the Pooling config, not from the plain-directory default (mean, no Normalize).
     */
    private static Path writeRewardEncoder(Path dir) throws IOException {
        List<String> texts = new ArrayList<>();
        for (GrpoTaskExample task : TASKS) {
            texts.add(task.prompt());
            texts.add(task.reference());
        }
        WordPieceVocabulary.Built vocab = WordPieceVocabulary.build(texts, 300);
        BertConfig config = new BertConfig(vocab.size(), 16, 1, 2, 32, 64, 2, 1e-12f);
        EncoderHead head = new EncoderHead(Pooling.CLS, true, 64, false);
        try (SentenceEncoder encoder = SentenceEncoder.create(config, head, vocab.json(), 7, Device.cpu())) {
            encoder.save(dir);
        }
        return dir;
    }

    private static GrpoStatus awaitGrpo(String id) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        GrpoStatus status = null;
        while (System.nanoTime() < deadline) {
            status = Json.read(
                    HTTP.send(
                                    HttpRequest.newBuilder(stack.service(Service.TRAINER)
                                                    .url("/grpo/" + id))
                                            .GET()
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body(),
                    GrpoStatus.class);
            if (status.state().equals(GrpoStatus.SUCCEEDED) || status.state().equals(GrpoStatus.FAILED)) {
                return status;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("the GRPO stage " + id + " did not finish within " + TIMEOUT + ": " + status);
    }
}

package dev.cpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.IngestReply;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import dev.cpt.contracts.RewardResponse;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.kafka.ScramUser;
import dev.cpt.launcher.Service;
import dev.cpt.launcher.Stack;
import dev.cpt.launcher.StackOptions;
import dev.cpt.testkit.AwaitRecord;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole stack against a broker whose client port accepts only SASL_SSL with SCRAM-SHA-256 (self-signed TLS made
 * with keytool, the SCRAM user created when the broker formats its log): the launcher creates the topics and every
 * service reaches the broker with the same {@code KAFKA_*} settings ({@link Stack#kafkaEnvironment()}). A document goes
 * from ingest to an eval report, a GRPO step gets its rewards from reward-service over Kafka, and each service given
 * a wrong password stays unready with the broker's refusal in its log.
 */
class SecuredStackIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ScramUser USER = ScramUser.sha256("cpt", "cpt-secret");

    @TempDir
    static Path dataDir;

    private static Stack stack;
    private static KafkaCompanion kafka;
    /** The five services again, each with a wrong password, started beside the stack as soon as it is ready. */
    private static final List<WrongPassword> WRONG_PASSWORD = new ArrayList<>();

    private static ScheduledExecutorService sampler;

    @RegisterExtension
    static final StackLogsOnFailure LOGS_ON_FAILURE = new StackLogsOnFailure(() -> stack);

    @BeforeAll
    static void startStack() throws IOException {
        StackOptions options = StackOptions.ephemeral(DeployFiles.repoRoot(), dataDir.resolve("stack"))
                .withSaslSsl(USER)
                .with("cpt.trainer.checkpoint-every-steps", "1")
                .with("cpt.mixer.flush-after", "1s")
                // The stack plumbing is under test, not the encoder: the tiny one trains in seconds.
                .with("cpt.reward.encoder.preset", "tiny");
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
        // The report on that very checkpoint (a GRPO stage's checkpoints may share its step number).
        EvalReport report = Json.read(
                AwaitRecord.first(
                                kafka,
                                r -> checkpoint
                                        .sha256()
                                        .equals(Json.read(r.value(), EvalReport.class)
                                                .checkpointSha256()),
                                TIMEOUT,
                                EvalReport.TOPIC)
                        .value(),
                EvalReport.class);
        assertNull(report.error());
        assertEquals(checkpoint.step(), report.step());
    }

    /** One GRPO step: the trainer's rollouts and held-out prompts are scored by reward-service, over SASL_SSL. */
    @Test
    void aGrpoStepGetsItsRewards() throws Exception {
        HttpResponse<String> started = HTTP.send(
                HttpRequest.newBuilder(stack.service(Service.TRAINER).url("/grpo"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"task\":\"arithmetic\",\"prompts\":2,\"heldOutPrompts\":2,\"steps\":1,"
                                        + "\"groupSize\":2,\"promptsPerStep\":2,\"maxNewTokens\":8}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, started.statusCode(), started.body());
        String id = Json.MAPPER.readTree(started.body()).path("id").asText();
        JsonNode status = awaitGrpo(id);
        assertEquals("succeeded", status.path("state").asText(), status.toString());
        assertEquals(1, status.path("step").asLong(), status.toString());
        assertEquals(2, status.path("heldOutAnsweredBefore").asInt(), "held-out rewards missing: " + status);

        var reward = AwaitRecord.first(
                kafka, r -> r.value().contains("\"" + id + "-"), Duration.ofSeconds(30), RewardResponse.TOPIC);
        assertTrue(Json.read(reward.value(), RewardResponse.class).requestId().startsWith(id));
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

    private static JsonNode awaitGrpo(String id) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        JsonNode status = null;
        while (System.nanoTime() < deadline) {
            status = Json.MAPPER.readTree(HTTP.send(
                            HttpRequest.newBuilder(
                                            stack.service(Service.TRAINER).url("/grpo/" + id))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body());
            String state = status.path("state").asText();
            if (state.equals("succeeded") || state.equals("failed")) {
                return status;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("the GRPO stage " + id + " did not finish within " + TIMEOUT + ": " + status);
    }
}

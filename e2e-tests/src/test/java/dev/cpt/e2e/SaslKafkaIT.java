package dev.cpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.RewardRequest;
import dev.cpt.contracts.RewardResponse;
import dev.cpt.contracts.Topics;
import dev.cpt.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka SASL settings reach a packaged service through the environment, exactly as docker-compose.yml passes them:
 * a real broker (the same Kafka jars as EmbeddedKafka, which itself has only a PLAINTEXT listener) listens with
 * SASL_PLAINTEXT/PLAIN only, and reward-service started with {@code KAFKA_SECURITY_PROTOCOL}, {@code
 * KAFKA_SASL_MECHANISM} and {@code KAFKA_SASL_JAAS_CONFIG} becomes ready and answers a request over it; with a wrong
 * password it never becomes ready.
 */
class SaslKafkaIT {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final String CLIENT_USER = "cpt";
    private static final String CLIENT_PASSWORD = "cpt-secret";

    @TempDir
    Path dir;

    @Test
    void aServiceConfiguredThroughKafkaSaslEnvironmentVariablesTalksToASaslOnlyBroker() throws Exception {
        int port = EmbeddedKafka.freePort();
        Process broker = startSaslBroker(dir.resolve("broker"), port, EmbeddedKafka.freePort());
        Process good = null;
        Process bad = null;
        try {
            String bootstrap = "localhost:" + port;
            createTopics(bootstrap);

            int goodPort = EmbeddedKafka.freePort();
            good = startRewardService(bootstrap, goodPort, CLIENT_PASSWORD, dir.resolve("reward-good.log"));
            awaitReady(good, goodPort, dir.resolve("reward-good.log"));

            var request = new RewardRequest(
                    "sasl-1", "sasl-group", "What is 2 plus 2?", "2 plus 2 is 4", "2 plus 2 is 4", Instant.now());
            try (var producer = new KafkaProducer<>(
                    clientProps(bootstrap, CLIENT_PASSWORD), new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>(RewardRequest.TOPIC, "sasl-group", Json.write(request)))
                        .get(30, TimeUnit.SECONDS);
            }
            RewardResponse response = awaitReward(bootstrap, "sasl-1");
            assertEquals(1.0, response.reward(), 1e-9);

            int badPort = EmbeddedKafka.freePort();
            bad = startRewardService(bootstrap, badPort, "wrong-password", dir.resolve("reward-bad.log"));
            assertNeverReady(bad, badPort, dir.resolve("reward-bad.log"));
        } finally {
            for (Process p : new Process[] {good, bad, broker}) {
                if (p != null) {
                    p.destroy();
                    if (!p.waitFor(20, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                }
            }
        }
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    /** A single KRaft node whose only client listener is SASL_PLAINTEXT with PLAIN users broker and cpt. */
    private static Process startSaslBroker(Path dataDir, int port, int controllerPort) throws Exception {
        Files.createDirectories(dataDir.resolve("logs"));
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@localhost:" + controllerPort);
        p.setProperty("listeners", "SASL_PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        p.setProperty("advertised.listeners", "SASL_PLAINTEXT://localhost:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("listener.security.protocol.map", "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("inter.broker.listener.name", "SASL_PLAINTEXT");
        p.setProperty("sasl.enabled.mechanisms", "PLAIN");
        p.setProperty("sasl.mechanism.inter.broker.protocol", "PLAIN");
        p.setProperty(
                "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"broker\" password=\"broker-secret\""
                        + " user_broker=\"broker-secret\" user_" + CLIENT_USER + "=\"" + CLIENT_PASSWORD + "\";");
        p.setProperty("log.dirs", dataDir.resolve("logs").toString());
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "2");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("auto.create.topics.enable", "false");
        Path config = dataDir.resolve("server.properties");
        try (Writer w = Files.newBufferedWriter(config)) {
            p.store(w, "SaslKafkaIT");
        }
        String classpath = brokerClasspath();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Commands.Result format = Commands.run(
                List.of(
                        java,
                        "-cp",
                        classpath,
                        "kafka.tools.StorageTool",
                        "format",
                        "-t",
                        "c2FzbC1pdC1jbHVzdGVyLWlkMA",
                        "-c",
                        config.toString(),
                        "--ignore-formatted"),
                Duration.ofMinutes(2));
        assertEquals(0, format.exitCode(), "formatting the SASL broker's log directory failed:\n" + format.output());
        Path log = dataDir.resolve("kafka.log");
        Process broker = new ProcessBuilder(
                        java,
                        "-Xmx512m",
                        "-XX:+UseSerialGC",
                        "-Dlog4j2.configurationFile=classpath:cpt-broker-log4j2.properties",
                        "-cp",
                        classpath,
                        "kafka.Kafka",
                        config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (!broker.isAlive()) {
                fail("the SASL broker exited with " + broker.exitValue() + ":\n" + Files.readString(log));
            }
            try (Admin admin = Admin.create(clientProps("localhost:" + port, CLIENT_PASSWORD))) {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return broker;
            } catch (Exception notYet) {
                Thread.sleep(300);
            }
        }
        broker.destroyForcibly();
        return fail("the SASL broker did not serve within 90 s:\n" + Files.readString(log));
    }

    /** The Kafka jars cpt-kafka-embedded resolved for its own broker, plus that module (for the log4j settings). */
    private static String brokerClasspath() throws Exception {
        try (InputStream in = EmbeddedKafka.class.getResourceAsStream("/cpt-broker.classpath")) {
            if (in == null) {
                return fail("cpt-broker.classpath is missing from cpt-kafka-embedded");
            }
            String jars = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            Path self = Path.of(EmbeddedKafka.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            return self + java.io.File.pathSeparator + jars;
        }
    }

    private static Properties clientProps(String bootstrap, String password) {
        Properties props = new Properties();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        props.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        props.put(SaslConfigs.SASL_JAAS_CONFIG, jaas(CLIENT_USER, password));
        props.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        return props;
    }

    private static void createTopics(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(clientProps(bootstrap, CLIENT_PASSWORD))) {
            List<NewTopic> topics = new ArrayList<>();
            Topics.ALL.forEach(t -> topics.add(new NewTopic(t.name(), t.partitions(), (short) 1).configs(t.config())));
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** reward-service as docker-compose.yml runs it: Kafka settings only through KAFKA_* environment variables. */
    private static Process startRewardService(String bootstrap, int httpPort, String password, Path log)
            throws IOException {
        Path jar = DeployFiles.repoRoot().resolve("reward-service/target/quarkus-app/quarkus-run.jar");
        assertTrue(Files.isRegularFile(jar), jar + " is missing: package reward-service first");
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx384m",
                        "-XX:+UseSerialGC",
                        "-jar",
                        jar.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
        env.put("KAFKA_SASL_MECHANISM", "PLAIN");
        env.put("KAFKA_SASL_JAAS_CONFIG", jaas(CLIENT_USER, password));
        env.put("CPT_PARENT_PID", Long.toString(ProcessHandle.current().pid()));
        builder.environment().putAll(env);
        return builder.start();
    }

    private static int readiness(int port) {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/q/health/ready"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException notListening) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void awaitReady(Process service, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                fail("reward-service exited with " + service.exitValue() + ":\n" + Files.readString(log));
            }
            if (readiness(port) == 200) {
                return;
            }
            Thread.sleep(300);
        }
        fail("reward-service with SASL settings was not ready within 2 minutes:\n" + Files.readString(log));
    }

    /** Once its HTTP server answers, readiness stays 503 (Kafka check down) for 15 s: the broker refused the login. */
    private static void assertNeverReady(Process service, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        int status;
        while ((status = readiness(port)) == -1 && System.nanoTime() < deadline && service.isAlive()) {
            Thread.sleep(300);
        }
        long watchUntil = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < watchUntil && service.isAlive()) {
            assertNotEquals(
                    200, status, "reward-service became ready with a wrong SASL password:\n" + Files.readString(log));
            Thread.sleep(500);
            status = readiness(port);
        }
        assertEquals(
                503,
                status,
                "reward-service with a wrong password should be up but not ready:\n" + Files.readString(log));
        assertTrue(
                Files.readString(log).contains("Authentication failed"),
                "the service log should show the broker refusing the login:\n" + Files.readString(log));
    }

    private static RewardResponse awaitReward(String bootstrap, String requestId) {
        Properties props = clientProps(bootstrap, CLIENT_PASSWORD);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "sasl-it");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(RewardResponse.TOPIC));
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value().contains(requestId)) {
                        return Json.read(r.value(), RewardResponse.class);
                    }
                }
            }
        }
        return fail("no reward for " + requestId + " on " + RewardResponse.TOPIC + " within a minute");
    }
}

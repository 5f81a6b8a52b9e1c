package dev.cpt.kafka;

import dev.cpt.contracts.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

/**
 * A real single-node Kafka broker (KRaft) in a child JVM, started from the Maven Central jars.
 * The same handle serves the launcher, the test resource and the fault drills (kill and restart).
 *
 * <p>By default its client listener is PLAINTEXT. {@link #startSaslSsl} starts one whose client listener accepts only
 * SASL_SSL with a SCRAM user: the TLS material is made with {@code keytool} in {@code <dataDir>/tls}, the SCRAM users
 * when the log directory is formatted, and {@link #clientSecurity()} says what a client needs to log in.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EmbeddedKafka.class.getName());
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private final ScramUser user;
    private final TlsMaterial tls;
    private Process process;

    private EmbeddedKafka(Path dataDir, int port, int controllerPort, ScramUser user, TlsMaterial tls) {
        this.dataDir = dataDir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.user = user;
        this.tls = tls;
    }

    /**
     * Starts a broker on {@code port} (0 picks a free one) keeping its log in {@code dataDir}, and waits until it
     * serves.
     */
    public static EmbeddedKafka start(Path dataDir, int port) {
        return start(dataDir, port, Set.of());
    }

    /**
     * As {@link #start(Path, int)}, with the controller's port chosen outside {@code reserved}: ports a caller picked
     * for its own servers are free until bound, so the operating system may hand one out again meanwhile.
     */
    public static EmbeddedKafka start(Path dataDir, int port, Set<Integer> reserved) {
        EmbeddedKafka kafka =
                new EmbeddedKafka(dataDir, clientPort(port, reserved), freePortExcept(reserved), null, null);
        kafka.startProcess();
        return kafka;
    }

    /**
     * Starts a broker whose client port accepts only SASL_SSL, with {@code user} (created when the log directory is
     * first formatted: a directory formatted before keeps its users) and a self-signed certificate for localhost.
     */
    public static EmbeddedKafka startSaslSsl(Path dataDir, int port, ScramUser user) {
        return startSaslSsl(dataDir, port, user, Set.of());
    }

    /** As {@link #startSaslSsl(Path, int, ScramUser)}, with the controller's port chosen outside {@code reserved}. */
    public static EmbeddedKafka startSaslSsl(Path dataDir, int port, ScramUser user, Set<Integer> reserved) {
        TlsMaterial tls = TlsMaterial.createOnce(dataDir.resolve("tls"));
        EmbeddedKafka kafka =
                new EmbeddedKafka(dataDir, clientPort(port, reserved), freePortExcept(reserved), user, tls);
        kafka.startProcess();
        return kafka;
    }

    /**
     * The client settings (Kafka's keys) that reach this broker besides {@code bootstrap.servers}: none for PLAINTEXT;
     * for SASL_SSL the protocol, the SCRAM mechanism and login, and the truststore that trusts the broker.
     */
    public Map<String, String> clientSecurity() {
        Map<String, String> config = new LinkedHashMap<>();
        if (user != null) {
            config.put(AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
            config.put(SaslConfigs.SASL_MECHANISM, user.mechanism());
            config.put(SaslConfigs.SASL_JAAS_CONFIG, user.jaasConfig());
            config.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
            config.put(
                    SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG,
                    tls.truststore().toAbsolutePath().toString());
            config.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, tls.password());
        }
        return config;
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /**
     * Creates every topic of the loop that does not exist yet, with its partition count and config; a topic that
     * exists (a restarted broker keeps its log directory) gets its config set to the chosen values again.
     */
    public void createTopics(List<Topics.Spec> topics) {
        try (Admin admin = admin()) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = topics.stream()
                    .filter(t -> !existing.contains(t.name()))
                    .map(t -> new NewTopic(t.name(), t.partitions(), (short) 1).configs(t.config()))
                    .collect(Collectors.toList());
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
            Map<ConfigResource, Collection<AlterConfigOp>> alter = new HashMap<>();
            for (Topics.Spec t : topics) {
                if (existing.contains(t.name())) {
                    alter.put(
                            new ConfigResource(ConfigResource.Type.TOPIC, t.name()),
                            t.config().entrySet().stream()
                                    .map(e -> new AlterConfigOp(
                                            new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET))
                                    .toList());
                }
            }
            if (!alter.isEmpty()) {
                admin.incrementalAlterConfigs(alter).all().get(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("creating topics on " + bootstrapServers() + " failed", e);
        }
    }

    /** An admin client on the client listener, with {@link #clientSecurity()}. */
    public Admin admin() {
        Properties props = new Properties();
        props.putAll(clientSecurity());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        return Admin.create(props);
    }

    /**
     * Bytes the broker's log holds for {@code topic}: the sum of its partitions' log segment sizes as the broker reports
     * them (record batches as stored, compressed as the producer sent them; indexes not counted).
     */
    public long logBytes(String topic) {
        try (Admin admin = admin()) {
            List<Integer> brokers = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream()
                    .map(n -> n.id())
                    .toList();
            return admin.describeLogDirs(brokers).allDescriptions().get(30, TimeUnit.SECONDS).values().stream()
                    .flatMap(dirs -> dirs.values().stream())
                    .flatMap(dir -> dir.replicaInfos().entrySet().stream())
                    .filter(e -> e.getKey().topic().equals(topic))
                    .mapToLong(e -> e.getValue().size())
                    .sum();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing log dirs", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("describing the log dirs of " + bootstrapServers() + " failed", e);
        }
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** SIGKILL, as a crashed machine would; the log directory stays for {@link #restart()}. */
    public void kill() {
        ChildProcesses.kill(process);
    }

    /** Starts the broker again on the same port and log directory. */
    public void restart() {
        if (isRunning()) {
            stop();
        }
        startProcess();
    }

    /** SIGTERM, then waits for the broker's own controlled shutdown. */
    public void stop() {
        ChildProcesses.stop(process, Duration.ofSeconds(30));
    }

    @Override
    public void close() {
        stop();
    }

    private void startProcess() {
        try {
            Files.createDirectories(dataDir);
            List<String> command = new ArrayList<>(List.of(
                    javaExecutable(),
                    "-Xms256m",
                    "-Xmx768m",
                    "-XX:+UseSerialGC",
                    "-Dlog4j2.configurationFile=classpath:cpt-broker-log4j2.properties",
                    "-cp",
                    brokerClasspath(),
                    KafkaBrokerMain.class.getName(),
                    dataDir.toString(),
                    String.valueOf(port),
                    String.valueOf(controllerPort)));
            if (user != null) {
                command.add(writeSaslSslSettings().toString());
            }
            Path log = dataDir.resolve("kafka.log");
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            awaitReady(log);
            LOG.info(() -> "Kafka broker (KRaft) serving on " + bootstrapServers() + ", data in " + dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded Kafka broker", e);
        }
    }

    /**
     * What {@link KafkaBrokerMain} needs to secure the listener, in a file only the owner reads. The broker logs in to
     * its own listener as {@link KafkaBrokerMain#BROKER_USER} with the random TLS store password, kept with the TLS
     * material, so a restart on the same directory still matches the users formatted into it.
     */
    private Path writeSaslSslSettings() throws IOException {
        Properties p = new Properties();
        p.setProperty(KafkaBrokerMain.SSL_MECHANISM, user.mechanism());
        p.setProperty(KafkaBrokerMain.SSL_CLIENT_USER, user.username());
        p.setProperty(KafkaBrokerMain.SSL_CLIENT_PASSWORD, user.password());
        p.setProperty(KafkaBrokerMain.SSL_BROKER_PASSWORD, tls.password());
        p.setProperty(
                KafkaBrokerMain.SSL_KEYSTORE, tls.keystore().toAbsolutePath().toString());
        p.setProperty(
                KafkaBrokerMain.SSL_TRUSTSTORE,
                tls.truststore().toAbsolutePath().toString());
        p.setProperty(KafkaBrokerMain.SSL_STORE_PASSWORD, tls.password());
        Path file = dataDir.resolve("tls").resolve("sasl-ssl.properties");
        Files.deleteIfExists(file);
        Files.createFile(file);
        TlsMaterial.ownerOnly(file);
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, "written by EmbeddedKafka");
        }
        return file;
    }

    private void awaitReady(Path log) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the Kafka broker exited with code " + process.exitValue()
                        + " during start-up; its log is " + log + ":\n" + tail(log));
            }
            try (Admin admin = admin()) {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return;
            } catch (Exception notYet) {
                sleep(Duration.ofMillis(250));
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException(
                "the Kafka broker did not serve within " + START_TIMEOUT + "; log " + log + ":\n" + tail(log));
    }

    /** The broker's classpath: this module's classes plus the jars Maven resolved for it at build time. */
    static String brokerClasspath() {
        try (InputStream in = EmbeddedKafka.class.getResourceAsStream("/cpt-broker.classpath")) {
            if (in == null) {
                throw new IllegalStateException(
                        "cpt-broker.classpath is missing: build cpt-kafka-embedded with Maven first");
            }
            String jars = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            String self = Path.of(KafkaBrokerMain.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toString();
            return self + java.io.File.pathSeparator + jars;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int clientPort(int port, Set<Integer> reserved) {
        return port == 0 ? freePortExcept(reserved) : port;
    }

    /** A free port that is none of {@code reserved}. */
    public static int freePortExcept(Set<Integer> reserved) {
        for (; ; ) {
            int port = freePort();
            if (!reserved.contains(port)) {
                return port;
            }
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}

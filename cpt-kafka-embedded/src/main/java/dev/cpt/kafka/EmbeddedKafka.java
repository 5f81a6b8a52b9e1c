package dev.cpt.kafka;

import dev.cpt.contracts.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A real single-node Kafka broker (KRaft) in a child JVM, started from the Maven Central jars.
 * The same handle serves the launcher, the test resource and the fault drills (kill and restart).
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EmbeddedKafka.class.getName());
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private Process process;

    private EmbeddedKafka(Path dataDir, int port, int controllerPort) {
        this.dataDir = dataDir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /**
     * Starts a broker on {@code port} (0 picks a free one) keeping its log in {@code dataDir}, and waits until it
     * serves.
     */
    public static EmbeddedKafka start(Path dataDir, int port) {
        EmbeddedKafka kafka = new EmbeddedKafka(dataDir, port == 0 ? freePort() : port, freePort());
        kafka.startProcess();
        return kafka;
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Creates every topic of the loop that does not exist yet, with its partition count. */
    public void createTopics(List<Topics.Spec> topics) {
        try (Admin admin = admin()) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = topics.stream()
                    .filter(t -> !existing.contains(t.name()))
                    .map(t -> new NewTopic(t.name(), t.partitions(), (short) 1))
                    .collect(Collectors.toList());
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("creating topics on " + bootstrapServers() + " failed", e);
        }
    }

    public Admin admin() {
        Properties props = new Properties();
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

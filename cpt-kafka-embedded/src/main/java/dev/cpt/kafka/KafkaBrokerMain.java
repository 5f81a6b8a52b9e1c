package dev.cpt.kafka;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Entry point of the embedded broker's own JVM: a single-node Apache Kafka in KRaft mode
 * (combined broker + controller), from the Maven Central jars.
 *
 * <p>Runs in a child process rather than inside a service so that a drill can kill it with
 * SIGKILL and restart it on the same log directory, exactly like a real broker.
 *
 * <p>Usage: {@code KafkaBrokerMain <dataDir> <port> <controllerPort>}.
 */
public final class KafkaBrokerMain {

    /** A fixed cluster id: the log directory is formatted once and re-used across restarts. */
    static final String CLUSTER_ID = "Y3B0LWVtYmVkZGVkLWthZg";

    private KafkaBrokerMain() {}

    public static void main(String[] args) throws IOException {
        Path dataDir = Path.of(args[0]);
        int port = Integer.parseInt(args[1]);
        int controllerPort = Integer.parseInt(args[2]);

        exitWhenParentDies();
        Path config = writeConfig(dataDir, port, controllerPort);
        formatOnce(dataDir, config);
        // kafka.Kafka installs its own SIGTERM hook, so a plain destroy() shuts it down cleanly.
        kafka.Kafka.main(new String[] {config.toString()});
    }

    /** A launcher killed with SIGKILL cannot stop its children: the broker notices and leaves no process behind. */
    private static void exitWhenParentDies() {
        ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        if (parent == null) {
            return;
        }
        Thread watch = new Thread(
                () -> {
                    parent.onExit().join();
                    System.exit(0);
                },
                "parent-watch");
        watch.setDaemon(true);
        watch.start();
    }

    static Path writeConfig(Path dataDir, int port, int controllerPort) throws IOException {
        Path logs = dataDir.resolve("logs");
        Files.createDirectories(logs);
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@localhost:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://localhost:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", logs.toString());
        // One node: every internal topic has one replica.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "4");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "4");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        // Consumers join at once instead of waiting 3 s for more members: tests and the demo start fast.
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("num.partitions", "1");
        p.setProperty("auto.create.topics.enable", "false");
        // The default only for a topic outside the loop: each of Topics.ALL sets its own retention and cleanup.
        p.setProperty("log.retention.hours", "168");
        p.setProperty("message.max.bytes", String.valueOf(16 * 1024 * 1024));
        Path config = dataDir.resolve("server.properties");
        try (Writer w = Files.newBufferedWriter(config)) {
            p.store(w, "written by KafkaBrokerMain");
        }
        return config;
    }

    /** Formats the log directory on first start only; a restart keeps every topic and offset. */
    static void formatOnce(Path dataDir, Path config) {
        if (Files.exists(dataDir.resolve("logs").resolve("meta.properties"))) {
            return;
        }
        int rc = kafka.tools.StorageTool.execute(
                new String[] {"format", "-t", CLUSTER_ID, "-c", config.toString(), "--ignore-formatted"},
                new PrintStream(System.out, true));
        if (rc != 0) {
            throw new IllegalStateException("formatting the KRaft log directory failed with exit code " + rc);
        }
    }
}

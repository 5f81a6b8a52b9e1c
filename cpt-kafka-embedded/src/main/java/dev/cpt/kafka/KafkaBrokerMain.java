package dev.cpt.kafka;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Entry point of the embedded broker's own JVM: a single-node Apache Kafka in KRaft mode
 * (combined broker + controller), from the Maven Central jars.
 *
 * <p>Runs in a child process rather than inside a service so that a drill can kill it with
 * SIGKILL and restart it on the same log directory, exactly like a real broker.
 *
 * <p>Usage: {@code KafkaBrokerMain <dataDir> <port> <controllerPort> [<saslSslFile>]}. Without the fourth argument
 * the client listener is PLAINTEXT; with it (a properties file written by {@link EmbeddedKafka}, keys {@code SSL_*}
 * below) the client listener accepts only SASL_SSL with one SCRAM mechanism, the broker's own connections to itself
 * use it too, and the SCRAM users are created when the log directory is formatted. The controller listener stays
 * PLAINTEXT on localhost: KRaft needs it, and it serves the quorum, not clients.
 */
public final class KafkaBrokerMain {

    /** A fixed cluster id: the log directory is formatted once and re-used across restarts. */
    static final String CLUSTER_ID = "Y3B0LWVtYmVkZGVkLWthZg";

    /** Keys of the SASL_SSL settings file. */
    static final String SSL_MECHANISM = "mechanism";

    static final String SSL_CLIENT_USER = "client.username";
    static final String SSL_CLIENT_PASSWORD = "client.password";
    static final String SSL_BROKER_PASSWORD = "broker.password";
    static final String SSL_KEYSTORE = "keystore";
    static final String SSL_TRUSTSTORE = "truststore";
    static final String SSL_STORE_PASSWORD = "store.password";

    /** The SCRAM user the broker logs in as on its own SASL_SSL listener. */
    static final String BROKER_USER = "broker";

    private KafkaBrokerMain() {}

    public static void main(String[] args) throws IOException {
        Path dataDir = Path.of(args[0]);
        int port = Integer.parseInt(args[1]);
        int controllerPort = Integer.parseInt(args[2]);
        Properties saslSsl = args.length > 3 ? load(Path.of(args[3])) : null;

        exitWhenParentDies();
        Path config = writeConfig(dataDir, port, controllerPort, saslSsl);
        formatOnce(dataDir, config, saslSsl);
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

    static Path writeConfig(Path dataDir, int port, int controllerPort, Properties saslSsl) throws IOException {
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
        if (saslSsl != null) {
            secure(p, port, controllerPort, saslSsl);
        }
        Path config = dataDir.resolve("server.properties");
        try (Writer w = Files.newBufferedWriter(config)) {
            p.store(w, "written by KafkaBrokerMain");
        }
        return config;
    }

    /** The client listener takes SASL_SSL with one SCRAM mechanism and nothing else; the broker logs in as BROKER_USER. */
    private static void secure(Properties p, int port, int controllerPort, Properties s) {
        String mechanism = s.getProperty(SSL_MECHANISM);
        p.setProperty("listeners", "SASL_SSL://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        p.setProperty("advertised.listeners", "SASL_SSL://localhost:" + port);
        p.setProperty("inter.broker.listener.name", "SASL_SSL");
        p.setProperty("listener.security.protocol.map", "SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT");
        p.setProperty("sasl.enabled.mechanisms", mechanism);
        p.setProperty("sasl.mechanism.inter.broker.protocol", mechanism);
        p.setProperty(
                "listener.name.sasl_ssl." + mechanism.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config",
                new ScramUser(mechanism, BROKER_USER, s.getProperty(SSL_BROKER_PASSWORD)).jaasConfig());
        p.setProperty("ssl.keystore.type", "PKCS12");
        p.setProperty("ssl.keystore.location", s.getProperty(SSL_KEYSTORE));
        p.setProperty("ssl.keystore.password", s.getProperty(SSL_STORE_PASSWORD));
        p.setProperty("ssl.key.password", s.getProperty(SSL_STORE_PASSWORD));
        p.setProperty("ssl.truststore.type", "PKCS12");
        p.setProperty("ssl.truststore.location", s.getProperty(SSL_TRUSTSTORE));
        p.setProperty("ssl.truststore.password", s.getProperty(SSL_STORE_PASSWORD));
        p.setProperty("ssl.client.auth", "none");
    }

    private static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        return p;
    }

    /**
     * Formats the log directory on first start only; a restart keeps every topic and offset. A SASL_SSL broker's SCRAM
     * users (the broker's own and the client's) are created here, as {@code kafka-storage format --add-scram} does.
     */
    static void formatOnce(Path dataDir, Path config, Properties saslSsl) {
        if (Files.exists(dataDir.resolve("logs").resolve("meta.properties"))) {
            return;
        }
        List<String> args =
                new ArrayList<>(List.of("format", "-t", CLUSTER_ID, "-c", config.toString(), "--ignore-formatted"));
        if (saslSsl != null) {
            String mechanism = saslSsl.getProperty(SSL_MECHANISM);
            for (ScramUser user : List.of(
                    new ScramUser(mechanism, BROKER_USER, saslSsl.getProperty(SSL_BROKER_PASSWORD)),
                    new ScramUser(
                            mechanism,
                            saslSsl.getProperty(SSL_CLIENT_USER),
                            saslSsl.getProperty(SSL_CLIENT_PASSWORD)))) {
                args.add("--add-scram");
                args.add(user.formatArgument());
            }
        }
        int rc = kafka.tools.StorageTool.execute(args.toArray(String[]::new), new PrintStream(System.out, true));
        if (rc != 0) {
            throw new IllegalStateException("formatting the KRaft log directory failed with exit code " + rc);
        }
    }
}

package dev.cpt.launcher;

import dev.cpt.kafka.EmbeddedKafka;
import dev.cpt.kafka.clients.KafkaClients;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The launcher's Kafka clients for a stack another {@code cpt} started, configured as every client of the project is
 * (the {@code KAFKA_*} environment) with the stack's bootstrap servers. For a stack that has stopped, its broker is
 * started again on the broker log it left in the data directory, for reading, and stopped on {@link #close()}.
 */
final class StackConnection implements AutoCloseable {
    final KafkaClients clients;
    private final EmbeddedKafka restarted;

    private StackConnection(String bootstrapServers, EmbeddedKafka restarted) {
        this.clients = KafkaClients.fromEnvironment(System.getenv(), bootstrapServers, "cpt-cli");
        this.restarted = restarted;
    }

    static StackConnection to(StackFile stack) {
        return new StackConnection(stack.bootstrapServers(), null);
    }

    /** The running stack in {@code dataDir}, or the broker log of one that has stopped. */
    static StackConnection runningOrStopped(Path dataDir) {
        if (Files.isRegularFile(dataDir.resolve(StackFile.NAME))) {
            StackFile stack = StackFile.read(dataDir);
            if (stack.running()) {
                return to(stack);
            }
        }
        Path log = dataDir.resolve("kafka");
        if (!Files.isDirectory(log)) {
            throw new IllegalArgumentException("no stack in " + dataDir.toAbsolutePath()
                    + " (neither a running one nor a broker log): name its directory with --data-dir");
        }
        if (Files.isDirectory(log.resolve("tls"))) {
            throw new IllegalArgumentException("the stack in " + dataDir.toAbsolutePath()
                    + " was secured (SASL_SSL) and has stopped: its" + " topics are read while it runs");
        }
        EmbeddedKafka kafka = EmbeddedKafka.start(log, 0);
        return new StackConnection(kafka.bootstrapServers(), kafka);
    }

    @Override
    public void close() {
        if (restarted != null) {
            restarted.stop();
        }
    }
}

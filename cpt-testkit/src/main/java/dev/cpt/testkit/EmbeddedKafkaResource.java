package dev.cpt.testkit;

import dev.cpt.contracts.Topics;
import dev.cpt.kafka.EmbeddedKafka;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;

/**
 * Quarkus test resource: one real KRaft broker per test JVM, shared by every test class that names this resource,
 * with every topic of the loop created. Stopped when the JVM exits.
 */
public class EmbeddedKafkaResource implements QuarkusTestResourceLifecycleManager {
    private static EmbeddedKafka broker;

    public static synchronized EmbeddedKafka broker() {
        if (broker == null) {
            try {
                broker = EmbeddedKafka.start(Files.createTempDirectory("cpt-test-kafka"), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            broker.createTopics(Topics.ALL);
            EmbeddedKafka started = broker;
            Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "stop-test-kafka"));
        }
        return broker;
    }

    @Override
    public Map<String, String> start() {
        return Map.of("kafka.bootstrap.servers", broker().bootstrapServers());
    }

    @Override
    public void stop() {
        // The broker outlives one test class: the next class re-uses it, the shutdown hook stops it.
    }
}

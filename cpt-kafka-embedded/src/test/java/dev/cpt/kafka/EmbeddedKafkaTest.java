package dev.cpt.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.RewardRequest;
import dev.cpt.contracts.Topics;
import dev.cpt.contracts.TrainingBatch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {

    /** The broker decompresses what producers send: every codec's library is on its class path (see the pom). */
    @Test
    void theBrokerClasspathHoldsTheLibraryOfEveryCompressionCodec() {
        List<String> jars = List.of(EmbeddedKafka.brokerClasspath().split(java.io.File.pathSeparator));
        for (String library : List.of("snappy-java-", "lz4-java-", "zstd-jni-")) {
            assertTrue(
                    jars.stream()
                            .anyMatch(j -> Path.of(j).getFileName().toString().startsWith(library)),
                    library + " is missing from the broker's class path " + jars);
        }
    }

    @Test
    void aRecordWrittenBeforeAKillIsReadAfterTheRestart(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0)) {
            kafka.createTopics(Topics.ALL);
            Map<String, Integer> partitions = partitionCounts(kafka);
            for (Topics.Spec spec : Topics.ALL) {
                assertEquals(spec.partitions(), partitions.get(spec.name()), spec.name());
            }
            assertEachTopicHasItsChosenConfig(kafka);

            try (var producer = producer(kafka)) {
                producer.send(new ProducerRecord<>("cpt.mixture", "k", "before the crash"))
                        .get(10, TimeUnit.SECONDS);
            }
            kafka.kill();
            assertFalse(kafka.isRunning());

            kafka.restart();
            assertTrue(kafka.isRunning());
            assertEquals(List.of("before the crash"), readAll(kafka, "cpt.mixture", 1));
        }
    }

    @Test
    void anExistingTopicWithOtherRetentionIsBroughtToTheChosenOne(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0)) {
            // As a broker whose log directory predates the chosen configs: the broker defaults, or other values.
            try (var admin = kafka.admin()) {
                admin.createTopics(List.of(
                                new NewTopic(TrainingBatch.TOPIC, 1, (short) 1)
                                        .configs(Map.of(
                                                Topics.RETENTION_MS, "60000", Topics.CLEANUP_POLICY, "compact,delete")),
                                new NewTopic(RewardRequest.TOPIC, 4, (short) 1),
                                new NewTopic(EvalReport.TOPIC, 2, (short) 1)))
                        .all()
                        .get(20, TimeUnit.SECONDS);
            }
            assertEquals(
                    "60000",
                    topicConfig(kafka, TrainingBatch.TOPIC)
                            .get(Topics.RETENTION_MS)
                            .value());

            kafka.createTopics(Topics.ALL);
            assertEachTopicHasItsChosenConfig(kafka);

            // The restarted broker keeps them.
            kafka.restart();
            kafka.createTopics(Topics.ALL);
            assertEachTopicHasItsChosenConfig(kafka);
        }
    }

    /** The controller commits a config change before the broker applies it: allow the broker a moment to catch up. */
    private static void assertEachTopicHasItsChosenConfig(EmbeddedKafka kafka) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        for (Topics.Spec spec : Topics.ALL) {
            Config config = topicConfig(kafka, spec.name());
            while (!hasChosenConfig(spec, config) && System.nanoTime() < deadline) {
                Thread.sleep(200);
                config = topicConfig(kafka, spec.name());
            }
            for (var chosen : spec.config().entrySet()) {
                ConfigEntry entry = config.get(chosen.getKey());
                assertEquals(chosen.getValue(), entry.value(), spec.name() + " " + chosen.getKey());
                assertEquals(
                        ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG,
                        entry.source(),
                        spec.name() + " " + chosen.getKey());
            }
        }
    }

    private static boolean hasChosenConfig(Topics.Spec spec, Config config) {
        return spec.config().entrySet().stream()
                .allMatch(e -> e.getValue().equals(config.get(e.getKey()).value()));
    }

    private static Config topicConfig(EmbeddedKafka kafka, String topic) throws Exception {
        try (var admin = kafka.admin()) {
            var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            return admin.describeConfigs(List.of(resource))
                    .all()
                    .get(20, TimeUnit.SECONDS)
                    .get(resource);
        }
    }

    private static Map<String, Integer> partitionCounts(EmbeddedKafka kafka) throws Exception {
        try (var admin = kafka.admin()) {
            var names = Topics.ALL.stream().map(Topics.Spec::name).toList();
            var described = admin.describeTopics(names).allTopicNames().get(20, TimeUnit.SECONDS);
            return described.entrySet().stream()
                    .collect(java.util.stream.Collectors.toMap(
                            Map.Entry::getKey, e -> e.getValue().partitions().size()));
        }
    }

    private static KafkaProducer<String, String> producer(EmbeddedKafka kafka) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    private static List<String> readAll(EmbeddedKafka kafka, String topic, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "embedded-kafka-test");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (var consumer = new KafkaConsumer<String, String>(p)) {
            consumer.subscribe(List.of(topic));
            var values = new java.util.ArrayList<String>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    values.add(r.value());
                }
            }
            return values;
        }
    }
}

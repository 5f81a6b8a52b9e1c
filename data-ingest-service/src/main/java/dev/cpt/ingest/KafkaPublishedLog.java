package dev.cpt.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.Json;
import dev.cpt.kafka.clients.KafkaClients;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The output topics as the directory watcher's restart safety sees them ({@link DirectoryIngester.PublishedLog}):
 * their end offsets, the ids of documents appended after given offsets, and the documents topic's id (which names
 * the state directory's generation). Plain Kafka clients, so the benchmark and tests use it as the service does.
 */
public final class KafkaPublishedLog implements DirectoryIngester.PublishedLog, AutoCloseable {
    private static final List<String> TOPICS = List.of(Document.TOPIC, Document.HELDOUT_TOPIC);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final KafkaClients clients;
    private final Admin admin;

    /** Its admin and readers are configured as every Kafka client of the service ({@code clients}). */
    public KafkaPublishedLog(KafkaClients clients) {
        this.clients = clients;
        this.admin = clients.admin("published-log", Map.of());
    }

    /** The id Kafka gave the documents topic when it was created. */
    public String documentsTopicId() {
        return get(admin.describeTopics(List.of(Document.TOPIC)).allTopicNames())
                .get(Document.TOPIC)
                .topicId()
                .toString();
    }

    @Override
    public Map<String, Long> endOffsets() {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (TopicPartition tp : partitions()) {
            latest.put(tp, OffsetSpec.latest());
        }
        Map<String, Long> ends = new HashMap<>();
        get(admin.listOffsets(latest).all()).forEach((tp, info) -> ends.put(key(tp), info.offset()));
        return ends;
    }

    @Override
    public Set<String> idsSince(Map<String, Long> from) {
        Set<String> ids = new HashSet<>();
        Map<String, Long> until = endOffsets();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer(
                "published-ids",
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer(),
                Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"))) {
            List<TopicPartition> partitions = partitions();
            consumer.assign(partitions);
            for (TopicPartition tp : partitions) {
                consumer.seek(tp, from.getOrDefault(key(tp), 0L));
            }
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!reached(consumer, partitions, until)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "could not read the output topics up to " + until + " within " + TIMEOUT);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        JsonNode id = Json.MAPPER.readTree(r.value()).path("id");
                        if (id.isTextual()) {
                            ids.add(id.asText());
                        }
                    } catch (IOException notADocument) {
                        // another producer's record: not one of ours
                    }
                }
            }
        }
        return ids;
    }

    private static boolean reached(
            KafkaConsumer<?, ?> consumer, List<TopicPartition> partitions, Map<String, Long> until) {
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp) < until.getOrDefault(key(tp), 0L)) {
                return false;
            }
        }
        return true;
    }

    private List<TopicPartition> partitions() {
        List<TopicPartition> out = new ArrayList<>();
        for (TopicDescription d :
                get(admin.describeTopics(TOPICS).allTopicNames()).values()) {
            d.partitions().forEach(p -> out.add(new TopicPartition(d.name(), p.partition())));
        }
        return out;
    }

    private static String key(TopicPartition tp) {
        return tp.topic() + ":" + tp.partition();
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking the broker", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the broker did not answer: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}

package dev.cpt.e2e;

import dev.cpt.kafka.clients.TopicsToEnd;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a topic from its beginning to its current end offsets (all partitions), outside any consumer group. */
final class TopicReader {
    private TopicReader() {}

    static List<ConsumerRecord<String, String>> readAll(String bootstrapServers, String topic) {
        try (var consumer = committedReader(bootstrapServers)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            TopicsToEnd.readToEnd(consumer, partitions, Duration.ofMinutes(1), records::add);
            return records;
        }
    }

    /** Sum of end offsets minus the group's committed offsets over every partition of the topic (0 when caught up). */
    static long lag(org.apache.kafka.clients.admin.Admin admin, String group, String topic) throws Exception {
        var committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get();
        var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new java.util.HashMap<>();
        partitions.forEach(tp -> latest.put(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()));
        var ends = admin.listOffsets(latest).all().get();
        long lag = 0;
        for (TopicPartition tp : partitions) {
            var c = committed.get(tp);
            lag += ends.get(tp).offset() - (c == null ? 0 : c.offset());
        }
        return lag;
    }

    /**
     * Committed records the group has not consumed yet: what a read_committed reader finds between the group's
     * committed offsets and the end. On a transactional topic (the mixer writes {@code cpt.batches} in transactions)
     * the last offset of a partition is a commit marker, not a record, so the end offset minus the committed offset
     * stays at 1 for a consumer that has read everything; this counts records instead.
     */
    static long unreadRecords(
            org.apache.kafka.clients.admin.Admin admin, String bootstrapServers, String group, String topic)
            throws Exception {
        var committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get();
        Map<TopicPartition, Long> from = new java.util.HashMap<>();
        for (var p : admin.describeTopics(List.of(topic))
                .allTopicNames()
                .get()
                .get(topic)
                .partitions()) {
            TopicPartition tp = new TopicPartition(topic, p.partition());
            from.put(tp, committed.get(tp) == null ? 0L : committed.get(tp).offset());
        }
        return recordsFrom(bootstrapServers, from);
    }

    /** Committed records at or after the given offsets, up to the current end (control markers not counted). */
    static long recordsFrom(String bootstrapServers, Map<TopicPartition, Long> from) {
        try (var consumer = committedReader(bootstrapServers)) {
            List<TopicPartition> partitions = List.copyOf(from.keySet());
            consumer.assign(partitions);
            from.forEach(consumer::seek);
            long[] records = {0};
            TopicsToEnd.readToEnd(consumer, partitions, Duration.ofMinutes(1), r -> records[0]++);
            return records[0];
        }
    }

    private static KafkaConsumer<String, String> committedReader(String bootstrapServers) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(16 * 1024 * 1024));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }
}

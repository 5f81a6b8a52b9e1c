package dev.cpt.launcher;

import dev.cpt.kafka.clients.KafkaClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The loop's output topics read once from the beginning to where they end now, without a consumer group (nothing is
 * committed, no group shows up in the broker's lag figures).
 */
final class TopicSnapshot {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private TopicSnapshot() {}

    static LoopRecords read(KafkaClients clients) {
        try {
            return readToEnd(clients);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new CommandFailure(
                    "cannot read the loop's topics from " + clients.bootstrapServers() + ": " + e.getMessage(), e);
        }
    }

    private static LoopRecords readToEnd(KafkaClients clients) {
        LoopRecords records = new LoopRecords();
        try (KafkaConsumer<String, String> consumer = clients.consumer(
                "snapshot",
                new StringDeserializer(),
                new StringDeserializer(),
                // the mixer writes its weights in transactions: only whole rounds
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : LoopRecords.TOPICS) {
                for (PartitionInfo p : consumer.partitionsFor(topic, TIMEOUT)) {
                    partitions.add(new TopicPartition(topic, p.partition()));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new CommandFailure("the loop's topics were not read to their end within " + TIMEOUT, null);
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    records.add(r);
                }
            }
        }
        return records;
    }

    /** Transaction markers take offsets too: the position, not the last record seen, says whether the end is read. */
    private static boolean reached(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> end) {
        for (var e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}

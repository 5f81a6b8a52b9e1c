package dev.cpt.kafka.clients;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Reads topics as they stand now, outside any consumer group: every record up to the end offsets the partitions had
 * when reading began; records written meanwhile are left for a later read.
 */
public final class TopicsToEnd {
    private TopicsToEnd() {}

    /** Every record of {@code topics} from their beginning, in each partition's order. */
    public static <K, V> void readFromBeginning(
            KafkaConsumer<K, V> consumer,
            Collection<String> topics,
            Duration timeout,
            Consumer<ConsumerRecord<K, V>> sink) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            consumer.partitionsFor(topic, timeout)
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        readToEnd(consumer, partitions, timeout, sink);
    }

    /**
     * The records of the assigned {@code partitions} from where the consumer stands to their end offsets now. The
     * position, not the last record, says when a partition is done: transaction markers take offsets too.
     *
     * @throws TimeoutException when the end is not reached within {@code timeout}
     */
    public static <K, V> void readToEnd(
            KafkaConsumer<K, V> consumer,
            List<TopicPartition> partitions,
            Duration timeout,
            Consumer<ConsumerRecord<K, V>> sink) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException(
                        "reading " + partitions + " to their end offsets " + end + " took over " + timeout);
            }
            for (ConsumerRecord<K, V> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                    sink.accept(r);
                }
            }
        }
    }
}

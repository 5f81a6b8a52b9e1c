package dev.cpt.launcher;

import dev.cpt.kafka.clients.KafkaClients;
import dev.cpt.kafka.clients.TopicsToEnd;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The loop's output topics read once from the beginning to where they end now, without a consumer group (nothing is
 * committed, no group shows up in the broker's lag figures).
 */
final class TopicSnapshot {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private TopicSnapshot() {}

    static LoopRecords read(KafkaClients clients) {
        LoopRecords records = new LoopRecords();
        try (KafkaConsumer<String, String> consumer = clients.consumer(
                "snapshot",
                new StringDeserializer(),
                new StringDeserializer(),
                // the mixer writes its weights in transactions: only whole rounds
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            TopicsToEnd.readFromBeginning(consumer, LoopRecords.TOPICS, TIMEOUT, records::add);
        } catch (KafkaException e) { // a timeout included
            throw new CommandFailure(
                    "cannot read the loop's topics from " + clients.bootstrapServers() + ": " + e.getMessage(), e);
        }
        return records;
    }
}

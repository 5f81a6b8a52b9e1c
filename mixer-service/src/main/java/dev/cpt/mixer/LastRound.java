package dev.cpt.mixer;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.MalformedMessageException;
import dev.cpt.contracts.MixtureWeights;
import dev.cpt.kafka.clients.KafkaClients;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The last round committed to {@code cpt.mixture}, read with {@code read_committed} from the end of the topic
 * backwards, so a restarted mixer numbers its next round after it. Run it after the transactional producer has
 * started: until then a crashed mixer's open transaction holds the committed end of the topic back.
 */
final class LastRound {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private LastRound() {}

    static OptionalLong read(KafkaClients clients) {
        try (KafkaConsumer<String, String> consumer = clients.consumer(
                "last-round",
                new StringDeserializer(),
                new StringDeserializer(),
                Map.of(
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false))) {
            List<TopicPartition> partitions = consumer.partitionsFor(MixtureWeights.TOPIC, TIMEOUT).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition()))
                    .toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, TIMEOUT);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
            OptionalLong last = OptionalLong.empty();
            for (TopicPartition tp : partitions) {
                // Transaction markers and aborted records take offsets too: widen the window until a round shows up.
                for (long window = 64; ; window *= 4) {
                    long from = Math.max(begin.get(tp), end.get(tp) - window);
                    OptionalLong found = scan(consumer, tp, from, end.get(tp));
                    if (found.isPresent() || from == begin.get(tp)) {
                        last = max(last, found);
                        break;
                    }
                }
            }
            return last;
        }
    }

    private static OptionalLong scan(KafkaConsumer<String, String> consumer, TopicPartition tp, long from, long end) {
        consumer.seek(tp, from);
        OptionalLong last = OptionalLong.empty();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (consumer.position(tp) < end && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r :
                    consumer.poll(Duration.ofMillis(200)).records(tp)) {
                try {
                    last = max(
                            last,
                            OptionalLong.of(
                                    Json.read(r.value(), MixtureWeights.class).round()));
                } catch (MalformedMessageException e) {
                    // Not a round: nothing to continue from.
                }
            }
        }
        return last;
    }

    private static OptionalLong max(OptionalLong a, OptionalLong b) {
        if (a.isEmpty()) {
            return b;
        }
        return b.isEmpty() ? a : OptionalLong.of(Math.max(a.getAsLong(), b.getAsLong()));
    }
}

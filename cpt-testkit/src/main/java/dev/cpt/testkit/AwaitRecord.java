package dev.cpt.testkit;

import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Waits for records on real topics, read from the beginning, that satisfy a condition. */
public final class AwaitRecord {
    private AwaitRecord() {}

    public static ConsumerRecord<String, String> first(
            KafkaCompanion kafka,
            Predicate<ConsumerRecord<String, String>> condition,
            Duration timeout,
            String... topics) {
        return all(kafka, condition, 1, timeout, topics).get(0);
    }

    /** The first {@code count} matching records, in the order they were read. */
    public static List<ConsumerRecord<String, String>> all(
            KafkaCompanion kafka,
            Predicate<ConsumerRecord<String, String>> condition,
            int count,
            Duration timeout,
            String... topics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (ConsumerTask<String, String> task = kafka.consumeStrings().fromTopics(topics)) {
            while (true) {
                List<ConsumerRecord<String, String>> matching =
                        task.getRecords().stream().filter(condition).toList();
                if (matching.size() >= count) {
                    return matching.subList(0, count);
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("expected " + count + " matching records on " + List.of(topics)
                            + " within " + timeout + ", found " + matching.size() + " among " + task.count() + " read");
                }
                sleep();
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}

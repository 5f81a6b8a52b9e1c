package dev.cpt.launcher;

import dev.cpt.kafka.clients.KafkaClients;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows the loop's output topics from the beginning: checkpoints, eval reports, mixture weights and rewards, as
 * they happen.
 */
final class TopicWatcher extends LoopRecords implements AutoCloseable {
    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;

    TopicWatcher(KafkaClients clients) {
        consumer = clients.consumer(
                "topic-watcher",
                new StringDeserializer(),
                new StringDeserializer(),
                Map.of(
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "launcher-" + UUID.randomUUID(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"));
        consumer.subscribe(TOPICS);
        thread = new Thread(this::run, "topic-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (true) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    add(r);
                }
            }
        } catch (WakeupException closing) {
            // close() woke the poll
        } finally {
            consumer.close();
        }
    }

    /** Waits for the first item of {@code list} that matches, printing progress while it waits. */
    <T> T await(List<T> list, Predicate<T> condition, Duration timeout, Runnable progress) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (T item : list) {
                if (condition.test(item)) {
                    return item;
                }
            }
            progress.run();
            Logs.sleep(Duration.ofSeconds(1));
        }
        throw new IllegalStateException("timed out after " + timeout + " waiting on the loop");
    }

    @Override
    public void close() {
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

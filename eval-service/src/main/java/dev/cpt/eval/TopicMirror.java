package dev.cpt.eval;

import dev.cpt.kafka.clients.KafkaClients;
import io.quarkus.logging.Log;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a whole topic from the beginning into this process, on its own thread, and keeps reading. No consumer group:
 * every worker assigns itself every partition, so each materialises the same contents and no group is left behind on
 * the broker per restart. {@link #awaitCaughtUp} waits until everything on the topic when it was called has been
 * handed to the sink, which is how a worker knows its copy is as complete as any other worker's.
 */
final class TopicMirror implements AutoCloseable {
    private final String topic;
    private final KafkaClients kafka;
    private final Consumer<ConsumerRecord<String, String>> sink;
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private final List<CompletableFuture<Map<TopicPartition, Long>>> endOffsetRequests =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** Its reader is configured as every Kafka client of the service ({@code kafka}). */
    TopicMirror(String topic, KafkaClients kafka, Consumer<ConsumerRecord<String, String>> sink) {
        this.topic = topic;
        this.kafka = kafka;
        this.sink = sink;
        this.thread = new Thread(this::run, "mirror-" + topic);
        this.thread.setDaemon(true);
    }

    TopicMirror start() {
        thread.start();
        return this;
    }

    private void run() {
        String purpose = "mirror-" + topic + "-" + ProcessHandle.current().pid();
        while (running) {
            try (KafkaConsumer<String, String> consumer = kafka.consumer(
                    purpose,
                    new StringDeserializer(),
                    new StringDeserializer(),
                    Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false))) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
                consumer.assign(partitions);
                // Resume where this process got to (after a connection failure), else from the beginning.
                for (TopicPartition tp : partitions) {
                    Long at = positions.get(tp);
                    if (at == null) {
                        consumer.seekToBeginning(List.of(tp));
                    } else {
                        consumer.seek(tp, at);
                    }
                }
                while (running) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                        try {
                            sink.accept(record);
                        } catch (RuntimeException e) {
                            Log.warnf(
                                    "%s[%d]@%d skipped: %s",
                                    topic, record.partition(), record.offset(), e.getMessage());
                        }
                    }
                    for (TopicPartition tp : partitions) {
                        positions.put(tp, consumer.position(tp));
                    }
                    for (var request : endOffsetRequests) {
                        endOffsetRequests.remove(request);
                        request.complete(consumer.endOffsets(partitions));
                    }
                }
            } catch (org.apache.kafka.common.errors.InterruptException
                    | org.apache.kafka.common.errors.WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                Log.warnf("reading %s failed, retrying: %s", topic, e.getMessage());
                sleep(1000);
            }
        }
    }

    /**
     * Waits until every record on the topic now has been handed to the sink; false when the timeout passed first
     * (the caller goes on with what has been read).
     */
    boolean awaitCaughtUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        var request = new CompletableFuture<Map<TopicPartition, Long>>();
        endOffsetRequests.add(request);
        Map<TopicPartition, Long> ends;
        try {
            ends = request.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
            endOffsetRequests.remove(request);
            return false;
        }
        while (System.nanoTime() < deadline) {
            if (ends.entrySet().stream().allMatch(e -> positions.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
                return true;
            }
            sleep(10);
        }
        return false;
    }

    /** Records not yet read, per partition, as of the last poll (for logs). */
    String lag() {
        return topic + " positions " + positions;
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

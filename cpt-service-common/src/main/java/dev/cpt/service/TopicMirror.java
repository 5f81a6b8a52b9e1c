package dev.cpt.service;

import dev.cpt.kafka.clients.KafkaClients;
import io.quarkus.logging.Log;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a whole topic into this process, on its own thread, and keeps reading: from the beginning, or from the
 * positions a snapshot of what was read before covers. No consumer group: every worker assigns itself every
 * partition, so each materialises the same contents and no group is left behind on the broker per restart. {@link
 * #awaitCaughtUp} waits until everything on the topic when it was called has been handed to the sink, which is how a
 * worker knows its copy is as complete as any other worker's.
 *
 * <p>Records deleted (retention, {@code deleteRecords}) before this process read them are gone: the mirror starts at
 * the partition's beginning, logs a warning and counts the offsets it could not read ({@link #missedOffsets}).
 */
public final class TopicMirror implements AutoCloseable {
    private final String topic;
    private final KafkaClients kafka;
    private final Consumer<ConsumerRecord<String, String>> sink;
    private final Progress progress;
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private volatile List<TopicPartition> assigned;
    // Asks for end offsets on a connection of its own: on the reader's, the broker would answer only after the
    // reader's pending fetch, which waits up to fetch.max.wait.ms (500 ms) on a topic with nothing new.
    private Admin admin;
    private final Thread thread;
    private final AtomicLong missedOffsets = new AtomicLong();
    private volatile boolean running = true;

    /** From the beginning of every partition; its reader is configured as every Kafka client of the service. */
    public TopicMirror(String topic, KafkaClients kafka, Consumer<ConsumerRecord<String, String>> sink) {
        this(topic, kafka, Map.of(), sink, new Progress() {});
    }

    /** What the owner of a mirror hears besides the records, on the mirror's thread. */
    public interface Progress {
        /** After a poll that left every partition read to its end. */
        default void caughtUp() {}

        /**
         * A position to start from lies past its partition's end: the topic is not the one the positions were saved
         * from (deleted and created again), so it is read again from its beginning, and what was built from the old
         * one should be dropped. Called before any record of the new topic is handed over.
         */
        default void startingOver() {}
    }

    /**
     * @param from the next offset to read per partition (what a snapshot already holds); a partition not named is
     *     read from its beginning
     * @param progress told when the mirror has caught up, and when it starts over
     */
    public TopicMirror(
            String topic,
            KafkaClients kafka,
            Map<Integer, Long> from,
            Consumer<ConsumerRecord<String, String>> sink,
            Progress progress) {
        this.topic = topic;
        this.kafka = kafka;
        this.sink = sink;
        this.progress = progress;
        from.forEach((partition, offset) -> positions.put(new TopicPartition(topic, partition), offset));
        this.thread = new Thread(this::run, "mirror-" + topic);
        this.thread.setDaemon(true);
    }

    public TopicMirror start() {
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
                    Map.of(
                            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                            false,
                            // Retention may delete records under a reader that lags: go on from what is left.
                            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                            "earliest"))) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
                consumer.assign(partitions);
                seekToStart(consumer, partitions);
                assigned = partitions;
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
                    boolean atEnd = true;
                    for (TopicPartition tp : partitions) {
                        positions.put(tp, consumer.position(tp));
                        OptionalLong lag = consumer.currentLag(tp);
                        atEnd &= lag.isPresent() && lag.getAsLong() == 0;
                    }
                    if (atEnd) {
                        try {
                            progress.caughtUp();
                        } catch (RuntimeException e) {
                            Log.warnf(e, "%s: after catching up", topic);
                        }
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
     * Resumes where this process got to (a snapshot, or the last poll before a connection failure), else from the
     * beginning; where records were deleted before they were read, from the partition's beginning.
     */
    private void seekToStart(KafkaConsumer<String, String> consumer, List<TopicPartition> partitions) {
        Map<TopicPartition, Long> beginnings = consumer.beginningOffsets(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        List<TopicPartition> pastEnd = partitions.stream()
                .filter(tp -> positions.getOrDefault(tp, 0L) > ends.get(tp))
                .toList();
        if (!pastEnd.isEmpty()) {
            Log.warnf(
                    "%s: positions %s are past the ends %s: the topic was created again; reading it from its beginning",
                    topic, positions, ends);
            positions.clear();
            progress.startingOver();
        }
        for (TopicPartition tp : partitions) {
            long at = positions.getOrDefault(tp, 0L);
            long beginning = beginnings.get(tp);
            if (at < beginning) {
                Log.warnf(
                        "%s: offsets %d to %d were deleted (retention) before this worker read them: what they held"
                                + " is missing here",
                        tp, at, beginning - 1);
                missedOffsets.addAndGet(beginning - at);
                at = beginning;
            }
            consumer.seek(tp, at);
            positions.put(tp, at);
        }
    }

    /** Offsets deleted from the topic before this mirror read them (an upper bound on the records lost). */
    public long missedOffsets() {
        return missedOffsets.get();
    }

    /**
     * Waits until every record on the topic now has been handed to the sink; false when the timeout passed first
     * (the caller goes on with what has been read).
     */
    public boolean awaitCaughtUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (assigned == null) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            sleep(10);
        }
        Map<TopicPartition, Long> ends;
        try {
            ends = endOffsets(assigned, Math.max(1, deadline - System.nanoTime()));
        } catch (Exception e) {
            Log.debugf("%s: end offsets not known: %s", topic, e.getMessage());
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

    private Map<TopicPartition, Long> endOffsets(List<TopicPartition> partitions, long timeoutNanos) throws Exception {
        Admin client;
        synchronized (this) {
            if (admin == null) {
                admin = kafka.admin(
                        "ends-" + topic + "-" + ProcessHandle.current().pid(), Map.of());
            }
            client = admin;
        }
        return client
                .listOffsets(partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                .all()
                .get(timeoutNanos, TimeUnit.NANOSECONDS)
                .entrySet()
                .stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    /** Records not yet read, per partition, as of the last poll (for logs). */
    public String lag() {
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
        synchronized (this) {
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
            }
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

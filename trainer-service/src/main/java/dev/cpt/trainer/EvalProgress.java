package dev.cpt.trainer;

import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.kafka.clients.KafkaClients;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What eval has said about this run's checkpoints, read from {@code cpt.eval.reports}: which it has reported on,
 * which its gate released, which it names as the base and as the last good release, and where its latest report says
 * each phase ended. Checkpoint retention keeps every
 * checkpoint not known here to be reported on.
 *
 * <p>The topic is read whole, from its beginning at every start, on a thread of its own, by a reader assigned every
 * partition rather than one in a consumer group: no committed offset can make a restarted trainer skip reports, and
 * no group is left behind on the broker per restart. The reader is configured as every Kafka client of the service
 * ({@link KafkaClients}: the channels' settings, security included). Until it has caught up, fewer checkpoints count
 * as reported, so retention keeps more, never fewer.
 */
@ApplicationScoped
public class EvalProgress {
    private final String runId;
    private final KafkaClients kafka;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final Set<String> released = ConcurrentHashMap.newKeySet();
    private final Set<Long> bases = ConcurrentHashMap.newKeySet();
    private final Set<Long> rollbackTargets = ConcurrentHashMap.newKeySet();
    private volatile long phasesAsOfStep = -1;
    private volatile Set<Long> phaseEnds = Set.of();
    private final AtomicLong changes = new AtomicLong();
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, String> consumer;
    private Thread reader;

    EvalProgress(TrainerConfig config, KafkaClients kafka) {
        this.runId = config.runId();
        this.kafka = kafka;
    }

    /** What is known now; sets are copies. */
    record Known(
            Set<String> reported,
            Set<String> released,
            Set<Long> bases,
            Set<Long> rollbackTargets,
            Set<Long> phaseEnds) {}

    Known known() {
        return new Known(
                Set.copyOf(reported), Set.copyOf(released), Set.copyOf(bases), Set.copyOf(rollbackTargets), phaseEnds);
    }

    /** Grows by one with every report of this run read: retention need not look again while it stays the same. */
    long changes() {
        return changes.get();
    }

    /** Takes in one report; those of other runs are ignored. Called by the reader thread only. */
    void accept(EvalReport report) {
        if (!runId.equals(report.runId()) || report.checkpointSha256() == null) {
            return;
        }
        reported.add(report.checkpointSha256());
        if (report.gate() != null) {
            if (report.gate().released()) {
                released.add(report.checkpointSha256());
            }
            if (report.gate().lastGoodReleaseStep() != null) {
                rollbackTargets.add(report.gate().lastGoodReleaseStep());
            }
        }
        if (report.continual() != null) {
            bases.add(report.continual().baseStep());
            // Only the latest report's phases: an earlier one's last phase ended at what was the latest step then.
            if (report.step() >= phasesAsOfStep) {
                phasesAsOfStep = report.step();
                phaseEnds = report.continual().phases().stream()
                        .map(EvalReport.Phase::lastStep)
                        .collect(java.util.stream.Collectors.toUnmodifiableSet());
            }
        }
        changes.incrementAndGet();
    }

    void start(@Observes StartupEvent event) {
        reader = new Thread(this::read, "eval-progress");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        while (running) {
            try (KafkaConsumer<String, String> c = kafka.consumer(
                    "retention-eval-reports",
                    new StringDeserializer(),
                    new StringDeserializer(),
                    Map.of(
                            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                            false,
                            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                            "earliest"))) {
                consumer = c;
                if (!running) {
                    return;
                }
                List<TopicPartition> partitions = c.partitionsFor(EvalReport.TOPIC, Duration.ofSeconds(30)).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
                if (partitions.isEmpty()) {
                    throw new IllegalStateException("topic " + EvalReport.TOPIC + " has no partitions yet");
                }
                c.assign(partitions);
                // After a lost connection: on from what was read already, the sets keep what it said.
                partitions.forEach(tp -> c.seek(tp, positions.getOrDefault(tp, 0L)));
                while (running) {
                    for (ConsumerRecord<String, String> record : c.poll(Duration.ofMillis(500))) {
                        try {
                            accept(Json.read(record.value(), EvalReport.class));
                        } catch (RuntimeException e) {
                            Log.warnf(
                                    "%s[%d]@%d skipped: %s",
                                    record.topic(), record.partition(), record.offset(), e.getMessage());
                        }
                        positions.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
                    }
                }
            } catch (InterruptException | WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                Log.warnf("reading %s failed, retrying: %s", EvalReport.TOPIC, e.getMessage());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    return;
                }
            } finally {
                consumer = null;
            }
        }
    }

    void close(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (reader != null) {
            try {
                reader.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

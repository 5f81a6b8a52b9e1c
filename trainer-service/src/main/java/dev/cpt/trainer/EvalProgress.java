package dev.cpt.trainer;

import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.kafka.clients.KafkaClients;
import dev.cpt.service.TopicMirror;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What eval has said about this run's checkpoints, read from {@code cpt.eval.reports}: which it has reported on,
 * which its gate released, which it names as the base and as the last good release, and where its latest report says
 * each phase ended. Checkpoint retention keeps every
 * checkpoint not known here to be reported on.
 *
 * <p>The topic is read whole, from its beginning at every start, by a {@link TopicMirror} (every partition assigned,
 * no consumer group): no committed offset can make a restarted trainer skip reports, and no group is left behind on
 * the broker per restart. Until it has caught up, fewer checkpoints count as reported, so retention keeps more, never
 * fewer.
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
    private TopicMirror mirror;

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
        mirror = new TopicMirror(EvalReport.TOPIC, kafka, record -> accept(Json.read(record.value(), EvalReport.class)))
                .start();
    }

    void close(@Observes ShutdownEvent event) {
        if (mirror != null) {
            mirror.close();
        }
    }
}

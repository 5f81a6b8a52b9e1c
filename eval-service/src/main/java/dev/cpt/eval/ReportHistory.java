package dev.cpt.eval;

import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.kafka.clients.KafkaClients;
import dev.cpt.service.TopicMirror;
import io.quarkus.logging.Log;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Every run's report history, kept by mirroring {@code cpt.eval.reports} into a {@link RunHistory} and saving it in
 * a state directory ({@link EvalStateFiles}). At start only the state file is read (offsets and each run's latest
 * report, shown at once) and the topic is read on from the offsets it names, so start-up does not grow with the
 * number of reports; a run's history is read from its file when first needed. The snapshot also keeps what retention
 * deleted from the topic. A worker without a state directory rebuilds it from the topic (kept forever by default).
 *
 * <p>Saved once the mirror has caught up with at least {@code snapshotEvery} reports read since the last save (so a
 * long replay saves once, at its end, instead of rewriting every run file all along it), and on {@link #close}.
 */
final class ReportHistory implements AutoCloseable {
    private final EvalStateFiles files;
    private final RunHistory runs;
    private final int snapshotEvery;
    private final Consumer<EvalReport> show;
    // The next offset per partition whose records are all in the run history: what a snapshot may claim.
    private final Map<Integer, Long> covered = new ConcurrentHashMap<>();
    private final AtomicLong readFromTopic = new AtomicLong();
    private final AtomicLong unsaved = new AtomicLong();
    private final Object saving = new Object();
    private final TopicMirror mirror;

    /**
     * @param show called with every report that becomes its run's latest, starting with those of the state file
     */
    ReportHistory(KafkaClients kafka, Path stateDir, int snapshotEvery, Consumer<EvalReport> show) {
        if (snapshotEvery <= 0) {
            throw new IllegalArgumentException("snapshot-every must be positive, was " + snapshotEvery);
        }
        this.files = new EvalStateFiles(stateDir);
        this.snapshotEvery = snapshotEvery;
        this.show = show;
        EvalStateFiles.ReportsState saved = files.readState().orElse(EvalStateFiles.ReportsState.EMPTY);
        this.runs = new RunHistory(files, saved.latest());
        saved.latest().values().forEach(show);
        covered.putAll(saved.offsets());
        Log.infof(
                "eval state in %s: %d runs, %s from offsets %s",
                stateDir.toAbsolutePath(), saved.latest().size(), EvalReport.TOPIC, saved.offsets());
        this.mirror = new TopicMirror(EvalReport.TOPIC, kafka, saved.offsets(), this::fromTopic, new Progress());
    }

    ReportHistory start() {
        mirror.start();
        return this;
    }

    /** Adds a report to its run's history (from the topic, or from this worker as it publishes it). */
    synchronized void record(EvalReport report) {
        if (runs.record(report)) {
            show.accept(report);
        }
    }

    /** The run's reports strictly before {@code step}, in step order. */
    List<EvalReport> before(String runId, long step) {
        return runs.before(runId, step);
    }

    /** The run's report on {@code step}, if there is one. */
    Optional<EvalReport> at(String runId, long step) {
        return runs.at(runId, step);
    }

    Map<String, EvalReport> latest() {
        return runs.latest();
    }

    /** Runs whose history is in memory (the others are on disk only). */
    java.util.Set<String> loadedRuns() {
        return runs.loaded();
    }

    /** Records the mirror handed over since start. */
    long readFromTopic() {
        return readFromTopic.get();
    }

    /** Offsets deleted from the topic that neither the snapshot nor the mirror holds. */
    long missedOffsets() {
        return mirror.missedOffsets();
    }

    boolean awaitCaughtUp(Duration timeout) {
        return mirror.awaitCaughtUp(timeout);
    }

    String lag() {
        return mirror.lag();
    }

    private void fromTopic(ConsumerRecord<String, String> record) {
        readFromTopic.incrementAndGet();
        record(Json.read(record.value(), EvalReport.class));
        covered.put(record.partition(), record.offset() + 1);
        unsaved.incrementAndGet();
    }

    private final class Progress implements TopicMirror.Progress {
        @Override
        public void caughtUp() {
            if (unsaved.get() >= snapshotEvery) {
                snapshot();
            }
        }

        /** The snapshot describes a topic that no longer exists: its reports must not mix with the new topic's. */
        @Override
        public void startingOver() {
            synchronized (saving) {
                synchronized (ReportHistory.this) {
                    runs.clear();
                    covered.clear();
                    files.clear();
                }
            }
        }
    }

    /**
     * Writes the changed run files, then the state file: a crash between the two leaves offsets that the run files
     * already go beyond, so a restart reads some reports again, and a report recorded again replaces itself.
     */
    void snapshot() {
        synchronized (saving) {
            // Offsets first: every report before them is in the history by now, so the run files copied next hold it.
            Map<Integer, Long> offsets = Map.copyOf(covered);
            long counted = unsaved.get();
            Map<String, List<EvalReport>> changed = runs.takeDirty();
            try {
                changed.forEach(files::writeRun);
                files.writeState(new EvalStateFiles.ReportsState(offsets, runs.latest()));
                unsaved.addAndGet(-counted);
            } catch (UncheckedIOException e) {
                runs.markDirty(changed.keySet());
                Log.warnf("eval state not saved in %s: %s", files.dir(), e.getMessage());
            }
        }
    }

    /** Stops mirroring and saves what was read. */
    @Override
    public void close() {
        mirror.close();
        snapshot();
    }
}

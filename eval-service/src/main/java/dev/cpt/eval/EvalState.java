package dev.cpt.eval;

import dev.cpt.contracts.Document;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.kafka.clients.KafkaClients;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * What an eval worker knows besides the checkpoint in hand, each materialised by a {@link TopicMirror} from the
 * beginning of its topic: the held-out sets ({@code cpt.heldout}) and every run's report history
 * ({@code cpt.eval.reports}, which also drives the gauges). Started with the application, so a restarted worker
 * rebuilds both before it scores anything.
 */
@Startup
@ApplicationScoped
public class EvalState {
    private final HeldoutSet heldout;
    private final RunHistory history = new RunHistory();
    private final EvalMetrics metrics;
    private final TopicMirror heldoutMirror;
    private final TopicMirror reportsMirror;

    EvalState(EvalConfig config, EvalMetrics metrics, KafkaClients kafka) {
        this.heldout = new HeldoutSet(config.heldoutDocumentsPerDomain());
        this.metrics = metrics;
        this.heldoutMirror = new TopicMirror(
                        Document.HELDOUT_TOPIC, kafka, r -> heldout.add(Json.read(r.value(), Document.class)))
                .start();
        this.reportsMirror =
                new TopicMirror(EvalReport.TOPIC, kafka, r -> record(Json.read(r.value(), EvalReport.class))).start();
    }

    HeldoutSet heldout() {
        return heldout;
    }

    RunHistory history() {
        return history;
    }

    /** Adds a report to its run's history (from the topic, or from this worker as it publishes it). */
    synchronized void record(EvalReport report) {
        if (history.record(report)) {
            metrics.show(report);
        }
    }

    /** Waits (bounded) until both topics are read to their current ends; logs what was missing on a timeout. */
    void catchUp(java.time.Duration timeout) {
        long started = System.nanoTime();
        if (!heldoutMirror.awaitCaughtUp(timeout)) {
            Log.warnf(
                    "held-out set not caught up after %s (%s): scoring on what has been read",
                    timeout, heldoutMirror.lag());
        }
        java.time.Duration left = timeout.minusNanos(System.nanoTime() - started);
        if (!reportsMirror.awaitCaughtUp(left.isNegative() ? java.time.Duration.ofMillis(1) : left)) {
            Log.warnf("report history not caught up within %s (%s)", timeout, reportsMirror.lag());
        }
    }

    @PreDestroy
    void close() {
        heldoutMirror.close();
        reportsMirror.close();
    }
}

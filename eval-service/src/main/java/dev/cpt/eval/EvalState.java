package dev.cpt.eval;

import dev.cpt.contracts.Document;
import dev.cpt.contracts.Json;
import dev.cpt.kafka.clients.KafkaClients;
import dev.cpt.service.TopicMirror;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What an eval worker knows besides the checkpoint in hand: the held-out sets, mirrored from the beginning of {@code
 * cpt.heldout} at every start (bounded: at most {@code heldout-documents-per-domain} documents per domain are kept),
 * and every run's report history ({@link ReportHistory}: {@code cpt.eval.reports} from this worker's snapshot on, which
 * also drives the gauges). Started with the application, so a restarted worker has both before it scores anything.
 */
@Startup
@ApplicationScoped
public class EvalState {
    private final HeldoutSet heldout;
    private final TopicMirror heldoutMirror;
    private final ReportHistory history;

    EvalState(EvalConfig config, EvalMetrics metrics, KafkaClients kafka) {
        this.heldout = new HeldoutSet(config.heldoutDocumentsPerDomain());
        this.heldoutMirror = new TopicMirror(
                        Document.HELDOUT_TOPIC, kafka, r -> heldout.add(Json.read(r.value(), Document.class)))
                .start();
        this.history =
                new ReportHistory(kafka, Path.of(config.stateDir()), config.snapshotEvery(), metrics::show).start();
    }

    HeldoutSet heldout() {
        return heldout;
    }

    ReportHistory history() {
        return history;
    }

    /** Waits (bounded) until both topics are read to their current ends; logs what was missing on a timeout. */
    void catchUp(Duration timeout) {
        long started = System.nanoTime();
        if (!heldoutMirror.awaitCaughtUp(timeout)) {
            Log.warnf(
                    "held-out set not caught up after %s (%s): scoring on what has been read",
                    timeout, heldoutMirror.lag());
        }
        Duration left = timeout.minusNanos(System.nanoTime() - started);
        if (!history.awaitCaughtUp(left.isNegative() ? Duration.ofMillis(1) : left)) {
            Log.warnf("report history not caught up within %s (%s)", timeout, history.lag());
        }
    }

    @PreDestroy
    void close() {
        heldoutMirror.close();
        history.close();
    }
}

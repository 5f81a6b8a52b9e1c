package dev.cpt.eval;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.model.LanguageModel;
import dev.cpt.service.CheckpointStore;
import dev.cpt.service.StoreConfig;
import ai.djl.Device;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Outgoing;

/**
 * {@code cpt.heldout} feeds {@value #HELDOUT_IN}, which materialises the held-out set (every eval instance reads
 * all of it). {@code cpt.checkpoints} feeds {@value #CHECKPOINTS_IN}: each checkpoint is verified, loaded and scored
 * per domain, and its {@link EvalReport} goes to {@code cpt.eval.reports} through {@value #REPORTS_OUT}. A checkpoint
 * that cannot be verified or loaded yields an error report, not a crash; an unreadable event goes to
 * {@code cpt.dlq.eval}.
 */
@ApplicationScoped
public class CheckpointEvaluator {
    public static final String HELDOUT_IN = "heldout-in";
    public static final String CHECKPOINTS_IN = "checkpoints-in";
    public static final String REPORTS_OUT = "eval-reports-out";

    private final HeldoutSet heldout = new HeldoutSet();
    private final CheckpointStore store;
    private final EvalMetrics metrics;

    CheckpointEvaluator(StoreConfig storeConfig, EvalMetrics metrics) {
        this.store = new CheckpointStore(Path.of(storeConfig.root()));
        this.metrics = metrics;
    }

    @Incoming(HELDOUT_IN)
    public void collect(String json) {
        heldout.add(Json.read(json, Document.class));
    }

    @Incoming(CHECKPOINTS_IN)
    @Outgoing(REPORTS_OUT)
    @Blocking
    public Record<String, EvalReport> evaluate(String json) {
        CheckpointEvent event = Json.read(json, CheckpointEvent.class);
        EvalReport report = score(event);
        metrics.reported(report);
        return Record.of(event.runId(), report);
    }

    EvalReport score(CheckpointEvent event) {
        HeldoutSet.Snapshot snapshot = heldout.snapshot();
        try (LanguageModel model = LanguageModel.load(store.resolve(event.uri()), event.sha256(), Device.cpu())) {
            var scores = HeldoutScorer.score(model, snapshot);
            Log.infof("run %s step %d scored on %d held-out documents: %s", event.runId(), event.step(), snapshot.size(), scores);
            return new EvalReport(event.runId(), event.step(), event.sha256(), scores, snapshot.sha256(), null, Instant.now());
        } catch (Exception e) {
            Log.warnf("run %s step %d not scored: %s", event.runId(), event.step(), e.getMessage());
            return new EvalReport(event.runId(), event.step(), event.sha256(), Map.of(), snapshot.sha256(),
                    e.getClass().getSimpleName() + ": " + e.getMessage(), Instant.now());
        }
    }
}

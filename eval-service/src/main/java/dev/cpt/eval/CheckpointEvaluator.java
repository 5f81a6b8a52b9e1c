package dev.cpt.eval;

import ai.djl.Device;
import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.DomainScore;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.EvalReport.BranchPoint;
import dev.cpt.contracts.EvalReport.TaskScore;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.ReleaseEvent;
import dev.cpt.contracts.RunMetadata;
import dev.cpt.model.CheckpointException;
import dev.cpt.model.CheckpointInfo.FileEntry;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.io.Manifest;
import dev.cpt.service.CheckpointStore;
import dev.cpt.service.Keyed;
import dev.cpt.training.HeldoutScorer;
import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * {@code cpt.checkpoints} feeds {@value #CHECKPOINTS_IN} (one consumer group: workers share the checkpoints; a run's
 * checkpoints sit on one partition, so one worker at a time takes them, in step order). Each checkpoint is verified,
 * loaded and scored per domain on the held-out sets, put in the context of its run (continual-learning metrics, the
 * promotion gate), and its {@link EvalReport} goes to {@code cpt.eval.reports}; a released checkpoint is announced on
 * {@code cpt.releases}. Before scoring, the worker waits (bounded) until it has read the held-out sets and the report
 * history to their ends, so that any worker would publish the same report. A checkpoint that cannot be verified or
 * loaded yields an error report, not a crash; an unreadable event goes to {@code cpt.dlq.eval}. Training never waits
 * for any of this: the trainer only writes checkpoint events.
 */
@ApplicationScoped
public class CheckpointEvaluator {
    public static final String CHECKPOINTS_IN = "checkpoints-in";
    public static final String REPORTS_OUT = "eval-reports-out";
    public static final String RELEASES_OUT = "releases-out";

    private final EvalConfig config;
    private final EvalState state;
    private final CheckpointStore store;
    private final EvalMetrics metrics;
    private final MutinyEmitter<EvalReport> reports;
    private final MutinyEmitter<ReleaseEvent> releases;
    private final RunAnalyzer analyzer;
    private final TaskEvaluator tasks;
    private final Device device;
    // Losses of earlier checkpoints on sets they were not scored on: (manifest sha, domain, set sha) -> loss, or NaN
    // when the checkpoint cannot be loaded any more. Deterministic, so caching never changes a result.
    private final Map<String, Double> rescored = new HashMap<>();

    CheckpointEvaluator(
            EvalConfig config,
            EvalState state,
            CheckpointStore store,
            EvalMetrics metrics,
            @Channel(REPORTS_OUT) MutinyEmitter<EvalReport> reports,
            @Channel(RELEASES_OUT) MutinyEmitter<ReleaseEvent> releases) {
        this.config = config;
        this.state = state;
        this.store = store;
        this.metrics = metrics;
        this.reports = reports;
        this.releases = releases;
        this.device = config.device().resolve(EvalConfig.DEVICE_SETTING);
        Log.infof(
                "checkpoints are loaded and scored on %s (%s=%s)", device, EvalConfig.DEVICE_SETTING, config.device());
        this.analyzer = new RunAnalyzer(
                new PromotionGate(
                        config.gate().minTargetImprovement(), config.gate().maxProtectedRegression()),
                config.stabilityGapTolerance(),
                this::rescore,
                this::reportOn);
        this.tasks = new TaskEvaluator(
                config.tasks().files().orElse(List.of()).stream()
                        .map(f -> QuestionSet.load(Path.of(f)))
                        .toList(),
                config.rewardUrl()
                        .map(url -> new RewardClient(url, config.tasks().rewardTimeout()))
                        .orElse(null),
                config.tasks().maxNewTokens(),
                config.tasks().stopToken());
    }

    @Incoming(CHECKPOINTS_IN)
    @Blocking
    public synchronized void evaluate(String json) {
        CheckpointEvent event = Json.read(json, CheckpointEvent.class);
        long started = System.nanoTime();
        state.catchUp(config.catchUpTimeout());
        Scored scored = score(event);
        EvalReport report = scored.report();
        state.history().record(report);
        reports.sendMessageAndAwait(Keyed.message(report, report.runId()));
        if (report.gate() != null && report.gate().released()) {
            releases.sendMessageAndAwait(Keyed.message(release(report), report.runId()));
            Log.infof(
                    "run %s step %d released: %s",
                    report.runId(), report.step(), report.gate().reason());
        } else if (report.gate() != null && report.gate().regression()) {
            Log.warnf(
                    "run %s step %d REGRESSED after a release; last good release: step %d (%s)",
                    report.runId(),
                    report.step(),
                    report.gate().lastGoodReleaseStep(),
                    report.gate().reason());
        }
        metrics.evaluated(report, Duration.between(event.at(), Instant.now()), scored.scoring(), scored.tokens());
        Log.debugf(
                "run %s step %d evaluated in %d ms",
                event.runId(), event.step(), (System.nanoTime() - started) / 1_000_000);
    }

    record Scored(EvalReport report, Duration scoring, long tokens) {}

    /** The checkpoint at {@code uri} in the store, verified against its manifest's sha256, on this worker's device. */
    LanguageModel load(String uri, String manifestSha256) throws CheckpointException {
        return LanguageModel.load(store.resolve(uri), manifestSha256, device);
    }

    /** The report on one checkpoint: scored and analysed, or the error that kept it from being scored. */
    Scored score(CheckpointEvent event) {
        HeldoutSet.Snapshot snapshot = state.heldout().snapshot();
        long started = System.nanoTime();
        Map<String, DomainScore> scores;
        Map<String, TaskScore> taskScores = Map.of();
        BranchPoint branchPoint;
        Optional<EvalReport> sameWeights;
        try (LanguageModel model = load(event.uri(), event.sha256())) {
            branchPoint = branchPoint(model.checkpointMetadata());
            sameWeights = branchPointWithTheSameWeights(event, branchPoint, snapshot);
            scores = sameWeights.map(EvalReport::domains).orElseGet(() -> snapshot.scoredBy(model));
            if (!tasks.isEmpty()) {
                taskScores = sameWeights
                        .map(EvalReport::tasks)
                        .filter(t -> t != null && !t.isEmpty())
                        .orElseGet(() -> tasks.score(model));
            }
        } catch (Exception e) {
            Log.warnf("run %s step %d not scored: %s", event.runId(), event.step(), e.getMessage());
            EvalReport error = new EvalReport(
                    event.runId(),
                    event.step(),
                    event.sha256(),
                    Map.of(),
                    snapshot.sha256(),
                    e.getClass().getSimpleName() + ": " + e.getMessage(),
                    Instant.now(),
                    event.uri(),
                    event.tokensPerDomain(),
                    snapshot.infos(),
                    null,
                    null,
                    null);
            return new Scored(error, Duration.ofNanos(System.nanoTime() - started), 0);
        }
        Duration scoring = Duration.ofNanos(System.nanoTime() - started);
        if (sameWeights.isPresent()) {
            Log.infof(
                    "run %s step %d has the weights of its branch point (%s): its scores are that report's, not scored"
                            + " again",
                    event.runId(), event.step(), branchPoint.checkpointUri());
            return new Scored(analyzed(event, scores, snapshot, taskScores, branchPoint), scoring, 0);
        }
        long tokens = scores.values().stream().mapToLong(DomainScore::tokens).sum();
        Log.infof(
                "run %s step %d scored on %d held-out documents (%d tokens, %.0f tokens/s): %s",
                event.runId(),
                event.step(),
                snapshot.size(),
                tokens,
                tokens / Math.max(1e-9, scoring.toNanos() / 1e9),
                scores);
        return new Scored(analyzed(event, scores, snapshot, taskScores, branchPoint), scoring, tokens);
    }

    /** The report on {@code event}'s scores, in the context of its run (continual-learning metrics, the gate). */
    private EvalReport analyzed(
            CheckpointEvent event,
            Map<String, DomainScore> scores,
            HeldoutSet.Snapshot snapshot,
            Map<String, TaskScore> taskScores,
            BranchPoint branchPoint) {
        EvalReport scored = new EvalReport(
                event.runId(),
                event.step(),
                event.sha256(),
                scores,
                snapshot.sha256(),
                null,
                Instant.now(),
                event.uri(),
                event.tokensPerDomain(),
                snapshot.infos(),
                null,
                null,
                taskScores);
        RunAnalyzer.Analysis analysis =
                analyzer.analyze(state.history().before(event.runId(), event.step()), scored, snapshot, branchPoint);
        return new EvalReport(
                scored.runId(),
                scored.step(),
                scored.checkpointSha256(),
                scored.domains(),
                scored.heldoutSetSha256(),
                null,
                scored.at(),
                scored.checkpointUri(),
                scored.tokensPerDomain(),
                scored.heldoutSets(),
                analysis.continual(),
                analysis.gate(),
                scored.tasks());
    }

    /**
     * The branch point's own report, when {@code event}'s weights are byte for byte the branch point's (the same
     * {@value LanguageModel#WEIGHTS_FILE} hash in both manifests: a GRPO stage's step 0) and that report was scored on the
     * current held-out sets; empty otherwise, and the checkpoint is scored. Scoring the same weights again would give
     * the same numbers, at the cost of a full pass while the stage's first steps run beside it.
     */
    private Optional<EvalReport> branchPointWithTheSameWeights(
            CheckpointEvent event, BranchPoint branchPoint, HeldoutSet.Snapshot snapshot) {
        if (branchPoint == null) {
            return Optional.empty();
        }
        Optional<EvalReport> own = reportOn(branchPoint)
                .filter(r -> snapshot.sha256().equals(r.heldoutSetSha256())
                        && !r.domains().isEmpty());
        if (own.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> mine = weightsHash(store.resolve(event.uri()));
        Optional<String> theirs = weightsHash(store.resolve(branchPoint.checkpointUri()));
        return mine.isPresent() && mine.equals(theirs) ? own : Optional.empty();
    }

    /**
     * The weights file's hash as {@code checkpoint}'s manifest lists it, without hashing the files again: the scored
     * checkpoint was verified as it was loaded, and the branch point's scores are those of the weights its manifest
     * names. Empty when the manifest cannot be read.
     */
    private static Optional<String> weightsHash(Path checkpoint) {
        try {
            return Manifest.read(checkpoint).files().stream()
                    .filter(f -> f.path().equals(LanguageModel.WEIGHTS_FILE))
                    .map(FileEntry::sha256)
                    .findFirst();
        } catch (CheckpointException e) {
            // the checkpoint is then scored: a missing branch point only costs the pass this saves
            Log.debugf("cannot compare weights with %s: %s", checkpoint, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The checkpoint the scored one's run branched from, as its verified manifest names it ({@link
     * RunMetadata#BRANCH_BASE}, written by a GRPO stage), with the run and step the store places it at; null when the
     * run is not a branch.
     */
    private BranchPoint branchPoint(Map<String, String> metadata) {
        return RunMetadata.branchBase(metadata)
                .map(uri -> store.locate(uri)
                        .map(at -> new BranchPoint(uri, at.runId(), at.step()))
                        .orElseGet(() -> new BranchPoint(uri, null, null)))
                .orElse(null);
    }

    /** The parent run's report on a branch point: the one at its step whose checkpoint is the branch point's. */
    private Optional<EvalReport> reportOn(BranchPoint branchPoint) {
        if (branchPoint.runId() == null) {
            return Optional.empty();
        }
        return state.history()
                .at(branchPoint.runId(), branchPoint.step())
                .filter(r -> !r.failed() && branchPoint.checkpointUri().equals(r.checkpointUri()));
    }

    private ReleaseEvent release(EvalReport report) {
        Map<String, Double> losses = new TreeMap<>();
        report.domains().forEach((domain, score) -> losses.put(domain, score.loss()));
        // the run's own last release: a branch run's gate reference is its branch point, never a release
        EvalReport before = RunAnalyzer.lastRelease(state.history().before(report.runId(), report.step()));
        Long previous = before == null ? null : before.step();
        return new ReleaseEvent(
                report.runId(),
                report.step(),
                report.checkpointUri(),
                report.checkpointSha256(),
                report.gate().targetDomains(),
                losses,
                report.heldoutSetSha256(),
                previous,
                report.gate().reason(),
                report.at());
    }

    /** Scores an earlier checkpoint on sets it was not scored on (see {@link RunAnalyzer}). */
    private Map<String, Double> rescore(EvalReport checkpoint, Map<String, HeldoutSet.DomainSet> sets) {
        Map<String, Double> losses = new TreeMap<>();
        Map<String, HeldoutSet.DomainSet> todo = new TreeMap<>();
        // a branch point eval never scored has no manifest hash at hand: its URI names it instead
        String checkpointKey =
                checkpoint.checkpointSha256() == null ? checkpoint.checkpointUri() : checkpoint.checkpointSha256();
        sets.forEach((domain, set) -> {
            Double known = rescored.get(checkpointKey + '/' + domain + '/' + set.sha256());
            if (known == null) {
                todo.put(domain, set);
            } else if (!known.isNaN()) {
                losses.put(domain, known);
            }
        });
        if (todo.isEmpty()) {
            return losses;
        }
        try (LanguageModel model = load(checkpoint.checkpointUri(), checkpoint.checkpointSha256())) {
            todo.forEach((domain, set) -> {
                DomainScore score = HeldoutScorer.score(model, set.documents());
                double loss = score == null ? Double.NaN : score.loss();
                rescored.put(checkpointKey + '/' + domain + '/' + set.sha256(), loss);
                if (score != null) {
                    losses.put(domain, loss);
                }
            });
            Log.infof("run %s step %d rescored on %s", checkpoint.runId(), checkpoint.step(), todo.keySet());
        } catch (Exception e) {
            Log.warnf(
                    "run %s step %d cannot be rescored on %s: %s",
                    checkpoint.runId(), checkpoint.step(), todo.keySet(), e.getMessage());
            todo.forEach((domain, set) -> rescored.put(checkpointKey + '/' + domain + '/' + set.sha256(), Double.NaN));
        }
        return losses;
    }
}

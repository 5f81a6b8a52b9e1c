package dev.cpt.eval;

import static dev.cpt.contracts.metrics.Metrics.EVAL_BWT;
import static dev.cpt.contracts.metrics.Metrics.EVAL_CHECKPOINT_TO_REPORT;
import static dev.cpt.contracts.metrics.Metrics.EVAL_FORGETTING;
import static dev.cpt.contracts.metrics.Metrics.EVAL_FORGETTING_VS_BASE;
import static dev.cpt.contracts.metrics.Metrics.EVAL_FWT;
import static dev.cpt.contracts.metrics.Metrics.EVAL_GATE_DECISIONS;
import static dev.cpt.contracts.metrics.Metrics.EVAL_GATE_RELEASED;
import static dev.cpt.contracts.metrics.Metrics.EVAL_GATE_TARGET_IMPROVEMENT;
import static dev.cpt.contracts.metrics.Metrics.EVAL_HELDOUT_DOCUMENTS;
import static dev.cpt.contracts.metrics.Metrics.EVAL_HELDOUT_FROZEN;
import static dev.cpt.contracts.metrics.Metrics.EVAL_HELDOUT_TOKENS_PER_SECOND;
import static dev.cpt.contracts.metrics.Metrics.EVAL_HELDOUT_TOKENS_SCORED;
import static dev.cpt.contracts.metrics.Metrics.EVAL_LAST_GOOD_RELEASE_STEP;
import static dev.cpt.contracts.metrics.Metrics.EVAL_LOSS;
import static dev.cpt.contracts.metrics.Metrics.EVAL_MATRIX;
import static dev.cpt.contracts.metrics.Metrics.EVAL_PERPLEXITY;
import static dev.cpt.contracts.metrics.Metrics.EVAL_PHASE;
import static dev.cpt.contracts.metrics.Metrics.EVAL_REGRESSION;
import static dev.cpt.contracts.metrics.Metrics.EVAL_RELEASE_STEP;
import static dev.cpt.contracts.metrics.Metrics.EVAL_REPORTS;
import static dev.cpt.contracts.metrics.Metrics.EVAL_SCORING;
import static dev.cpt.contracts.metrics.Metrics.EVAL_STABILITY_GAP_DEPTH;
import static dev.cpt.contracts.metrics.Metrics.EVAL_STABILITY_GAP_RECOVERED;
import static dev.cpt.contracts.metrics.Metrics.EVAL_STABILITY_GAP_RECOVERY_STEPS;
import static dev.cpt.contracts.metrics.Metrics.EVAL_STEP;
import static dev.cpt.contracts.metrics.Metrics.EVAL_TASK_EXACT_MATCH;
import static dev.cpt.contracts.metrics.Metrics.EVAL_TASK_SEMANTIC_SCORE;

import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.EvalReport.ContinualMetrics;
import dev.cpt.contracts.EvalReport.GateDecision;
import dev.cpt.service.GaugeValues;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * Eval's meters. Gauges show the latest report of every run (by step) and are fed from {@code cpt.eval.reports}, so
 * every worker of the group shows the same values, a restarted worker shows them again at once, and a Prometheus query
 * may take any instance ({@code max by}) without double counting. Counters and timers count this worker's own work
 * (sum them over instances).
 */
@ApplicationScoped
public class EvalMetrics {
    private final MeterRegistry registry;
    private final GaugeValues gauges;

    EvalMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.gauges = new GaugeValues(registry);
    }

    /** This worker published {@code report}; the checkpoint event was written at {@code eventAt}. */
    void evaluated(EvalReport report, Duration eventToReport, Duration scoring, long tokensScored) {
        String run = report.runId();
        registry.counter(EVAL_REPORTS.name(), "run", run, "outcome", report.failed() ? "error" : "ok")
                .increment();
        Timer.builder(EVAL_CHECKPOINT_TO_REPORT.name())
                .description("checkpoint event written to eval report published")
                .tag("run", run)
                .register(registry)
                .record(eventToReport.isNegative() ? Duration.ZERO : eventToReport);
        Timer.builder(EVAL_SCORING.name())
                .description("loading and scoring one checkpoint")
                .tag("run", run)
                .register(registry)
                .record(scoring);
        if (tokensScored > 0 && !scoring.isZero()) {
            registry.counter(EVAL_HELDOUT_TOKENS_SCORED.name(), "run", run).increment(tokensScored);
            gauges.set(EVAL_HELDOUT_TOKENS_PER_SECOND, Tags.of("run", run), tokensScored / (scoring.toNanos() / 1e9));
        }
        if (report.gate() != null) {
            registry.counter(
                            EVAL_GATE_DECISIONS.name(),
                            "run",
                            run,
                            "decision",
                            report.gate().released() ? "released" : "blocked")
                    .increment();
        }
    }

    /** Shows a report as its run's latest. */
    void show(EvalReport report) {
        String run = report.runId();
        Tags runTag = Tags.of("run", run);
        gauges.set(EVAL_STEP, runTag, report.step());
        report.domains().forEach((domain, score) -> {
            Tags tags = runTag.and("domain", domain);
            gauges.set(EVAL_LOSS, tags, score.loss());
            gauges.set(EVAL_PERPLEXITY, tags, score.perplexity());
        });
        report.heldoutSets().forEach((domain, set) -> {
            Tags tags = runTag.and("domain", domain);
            gauges.set(EVAL_HELDOUT_DOCUMENTS, tags, set.documents());
            gauges.set(EVAL_HELDOUT_FROZEN, tags, set.frozen() ? 1 : 0);
        });
        if (report.continual() != null) {
            showContinual(runTag, report.continual());
        }
        if (report.gate() != null) {
            GateDecision gate = report.gate();
            gauges.set(EVAL_GATE_RELEASED, runTag, gate.released() ? 1 : 0);
            if (gate.targetImprovement() != null) {
                gauges.set(EVAL_GATE_TARGET_IMPROVEMENT, runTag, gate.targetImprovement());
            }
            gauges.set(EVAL_REGRESSION, runTag, gate.regression() ? 1 : 0);
            if (gate.lastGoodReleaseStep() != null) {
                gauges.set(EVAL_RELEASE_STEP, runTag, gate.lastGoodReleaseStep());
                gauges.set(EVAL_LAST_GOOD_RELEASE_STEP, runTag, gate.lastGoodReleaseStep());
            }
        }
        report.tasks().forEach((task, score) -> {
            Tags tags = runTag.and("task", task);
            gauges.set(EVAL_TASK_EXACT_MATCH, tags, score.exactMatch());
            if (score.semanticScore() != null) {
                gauges.set(EVAL_TASK_SEMANTIC_SCORE, tags, score.semanticScore());
            }
        });
    }

    private void showContinual(Tags runTag, ContinualMetrics c) {
        c.forgetting().forEach((domain, v) -> gauges.set(EVAL_FORGETTING, runTag.and("domain", domain), v));
        c.forgettingVsBase()
                .forEach((domain, v) -> gauges.set(EVAL_FORGETTING_VS_BASE, runTag.and("domain", domain), v));
        c.baseLosses()
                .forEach((domain, v) ->
                        gauges.set(EVAL_MATRIX, runTag.and("phase", "base").and("domain", domain), v));
        c.matrix()
                .forEach(row -> row.losses()
                        .forEach((domain, v) -> gauges.set(
                                EVAL_MATRIX,
                                runTag.and("phase", Integer.toString(row.phase()))
                                        .and("domain", domain),
                                v)));
        gauges.set(EVAL_PHASE, runTag, c.phases().size() - 1);
        if (c.backwardTransfer() != null) {
            gauges.set(EVAL_BWT, runTag, c.backwardTransfer());
        }
        if (c.forwardTransfer() != null) {
            gauges.set(EVAL_FWT, runTag, c.forwardTransfer());
        }
        c.stabilityGaps().forEach(gap -> {
            Tags tags = runTag.and("domain", gap.domain()).and("phase", Integer.toString(gap.phase()));
            gauges.set(EVAL_STABILITY_GAP_DEPTH, tags, gap.depth());
            gauges.set(EVAL_STABILITY_GAP_RECOVERED, tags, gap.recoverySteps() == null ? 0 : 1);
            if (gap.recoverySteps() != null) {
                gauges.set(EVAL_STABILITY_GAP_RECOVERY_STEPS, tags, gap.recoverySteps());
            }
        });
    }
}

package dev.cpt.eval;

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
        registry.counter("cpt.eval.reports", "run", run, "outcome", report.failed() ? "error" : "ok")
                .increment();
        Timer.builder("cpt.eval.checkpoint.to.report")
                .description("checkpoint event written to eval report published")
                .tag("run", run)
                .register(registry)
                .record(eventToReport.isNegative() ? Duration.ZERO : eventToReport);
        Timer.builder("cpt.eval.scoring")
                .description("loading and scoring one checkpoint")
                .tag("run", run)
                .register(registry)
                .record(scoring);
        if (tokensScored > 0 && !scoring.isZero()) {
            registry.counter("cpt.eval.heldout.tokens.scored", "run", run).increment(tokensScored);
            gauges.set(
                    "cpt.eval.heldout.tokens.per.second",
                    Tags.of("run", run),
                    tokensScored / (scoring.toNanos() / 1e9));
        }
        if (report.gate() != null) {
            registry.counter(
                            "cpt.eval.gate.decisions",
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
        gauges.set("cpt.eval.step", runTag, report.step());
        report.domains().forEach((domain, score) -> {
            Tags tags = runTag.and("domain", domain);
            gauges.set("cpt.eval.loss", tags, score.loss());
            gauges.set("cpt.eval.perplexity", tags, score.perplexity());
        });
        report.heldoutSets().forEach((domain, set) -> {
            Tags tags = runTag.and("domain", domain);
            gauges.set("cpt.eval.heldout.documents", tags, set.documents());
            gauges.set("cpt.eval.heldout.frozen", tags, set.frozen() ? 1 : 0);
        });
        if (report.continual() != null) {
            showContinual(runTag, report.continual());
        }
        if (report.gate() != null) {
            GateDecision gate = report.gate();
            gauges.set("cpt.eval.gate.released", runTag, gate.released() ? 1 : 0);
            if (gate.targetImprovement() != null) {
                gauges.set("cpt.eval.gate.target.improvement", runTag, gate.targetImprovement());
            }
            gauges.set("cpt.eval.regression", runTag, gate.regression() ? 1 : 0);
            if (gate.lastGoodReleaseStep() != null) {
                gauges.set("cpt.eval.release.step", runTag, gate.lastGoodReleaseStep());
                gauges.set("cpt.eval.last.good.release.step", runTag, gate.lastGoodReleaseStep());
            }
        }
        report.tasks().forEach((task, score) -> {
            Tags tags = runTag.and("task", task);
            gauges.set("cpt.eval.task.exact.match", tags, score.exactMatch());
            if (score.semanticScore() != null) {
                gauges.set("cpt.eval.task.semantic.score", tags, score.semanticScore());
            }
        });
    }

    private void showContinual(Tags runTag, ContinualMetrics c) {
        c.forgetting().forEach((domain, v) -> gauges.set("cpt.eval.forgetting", runTag.and("domain", domain), v));
        c.forgettingVsBase()
                .forEach((domain, v) -> gauges.set("cpt.eval.forgetting.vs.base", runTag.and("domain", domain), v));
        c.baseLosses()
                .forEach((domain, v) -> gauges.set(
                        "cpt.eval.matrix", runTag.and("phase", "base").and("domain", domain), v));
        c.matrix()
                .forEach(row -> row.losses()
                        .forEach((domain, v) -> gauges.set(
                                "cpt.eval.matrix",
                                runTag.and("phase", Integer.toString(row.phase()))
                                        .and("domain", domain),
                                v)));
        gauges.set("cpt.eval.phase", runTag, c.phases().size() - 1);
        if (c.backwardTransfer() != null) {
            gauges.set("cpt.eval.bwt", runTag, c.backwardTransfer());
        }
        if (c.forwardTransfer() != null) {
            gauges.set("cpt.eval.fwt", runTag, c.forwardTransfer());
        }
        c.stabilityGaps().forEach(gap -> {
            Tags tags = runTag.and("domain", gap.domain()).and("phase", Integer.toString(gap.phase()));
            gauges.set("cpt.eval.stability.gap.depth", tags, gap.depth());
            gauges.set("cpt.eval.stability.gap.recovered", tags, gap.recoverySteps() == null ? 0 : 1);
            if (gap.recoverySteps() != null) {
                gauges.set("cpt.eval.stability.gap.recovery.steps", tags, gap.recoverySteps());
            }
        });
    }
}

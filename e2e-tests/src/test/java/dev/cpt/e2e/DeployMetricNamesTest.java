package dev.cpt.e2e;

import static dev.cpt.contracts.metrics.Metrics.EVAL_GATE_DECISIONS;
import static dev.cpt.contracts.metrics.Metrics.EVAL_GATE_RELEASED;
import static dev.cpt.contracts.metrics.Metrics.EVAL_GATE_TARGET_IMPROVEMENT;
import static dev.cpt.contracts.metrics.Metrics.EVAL_HELDOUT_DOCUMENTS;
import static dev.cpt.contracts.metrics.Metrics.EVAL_HELDOUT_FROZEN;
import static dev.cpt.contracts.metrics.Metrics.EVAL_HELDOUT_TOKENS_SCORED;
import static dev.cpt.contracts.metrics.Metrics.EVAL_PHASE;
import static dev.cpt.contracts.metrics.Metrics.EVAL_SCORING;
import static dev.cpt.contracts.metrics.Metrics.EVAL_STABILITY_GAP_RECOVERED;
import static dev.cpt.contracts.metrics.Metrics.EVAL_STEP;
import static dev.cpt.contracts.metrics.Metrics.EVAL_TASK_EXACT_MATCH;
import static dev.cpt.contracts.metrics.Metrics.EVAL_TASK_SEMANTIC_SCORE;
import static dev.cpt.contracts.metrics.Metrics.GRPO_POLICY_VERSION;
import static dev.cpt.contracts.metrics.Metrics.GRPO_ROLLOUT_TOKENS;
import static dev.cpt.contracts.metrics.Metrics.GRPO_TASKS_REJECTED;
import static dev.cpt.contracts.metrics.Metrics.MIXER_DOCUMENTS_SKIPPED;
import static dev.cpt.contracts.metrics.Metrics.MIXER_POLICY_FALLBACKS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_RESERVOIR_DOCUMENTS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_ROUNDS_FAILED;
import static dev.cpt.e2e.DeployGrafana.dashboard;
import static dev.cpt.e2e.DeployGrafana.dashboardFiles;
import static dev.cpt.e2e.DeployGrafana.exprs;
import static dev.cpt.e2e.DeployPrometheus.UP;
import static dev.cpt.e2e.DeployPrometheus.ruleExprs;
import static dev.cpt.e2e.DeployPrometheus.ruleFiles;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.metrics.Metric;
import dev.cpt.contracts.metrics.Metrics;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The dashboards and alert rules against {@link Metrics}, the names the services register their meters under: they name
 * no other metric, and every exported metric is charted or alerted on unless it is listed as read on the scrape only.
 */
class DeployMetricNamesTest {

    /** Every series the services export, and Prometheus's own {@code up}: dashboards and alerts may use only these. */
    private static final Set<String> KNOWN_METRICS = Stream.concat(
                    Metrics.ALL.stream().flatMap(m -> m.prometheusNames().stream()), Stream.of(UP))
            .collect(Collectors.toUnmodifiableSet());

    /** Exported for the scrape and the services' tests, deliberately on no dashboard and in no alert rule. */
    private static final Set<Metric> SCRAPE_ONLY = Set.of(
            MIXER_DOCUMENTS_SKIPPED,
            MIXER_ROUNDS_FAILED,
            MIXER_POLICY_FALLBACKS,
            MIXER_RESERVOIR_DOCUMENTS,
            GRPO_POLICY_VERSION,
            GRPO_TASKS_REJECTED,
            // the dashboard charts the rate as the trainer measures it (cpt.grpo.rollout.tokens.per.second)
            GRPO_ROLLOUT_TOKENS,
            EVAL_SCORING,
            EVAL_HELDOUT_TOKENS_SCORED,
            EVAL_GATE_DECISIONS,
            EVAL_STEP,
            EVAL_HELDOUT_DOCUMENTS,
            EVAL_HELDOUT_FROZEN,
            EVAL_GATE_RELEASED,
            EVAL_GATE_TARGET_IMPROVEMENT,
            EVAL_TASK_EXACT_MATCH,
            EVAL_TASK_SEMANTIC_SCORE,
            EVAL_PHASE,
            EVAL_STABILITY_GAP_RECOVERED);

    @Test
    void dashboardsAndAlertsNameOnlyKnownMetrics() {
        Map<String, Set<String>> unknown = new TreeMap<>();
        for (Path file : dashboardFiles()) {
            for (String expr : exprs(dashboard(file))) {
                collectUnknown(unknown, file.getFileName().toString(), expr);
            }
        }
        for (Path host : ruleFiles()) {
            for (String expr : ruleExprs(host)) {
                collectUnknown(unknown, host.getFileName().toString(), expr);
            }
        }
        assertTrue(
                unknown.isEmpty(),
                "metrics no service exports (typo, or add them to dev.cpt.contracts.metrics.Metrics): " + unknown);
    }

    @Test
    void everyExportedMetricIsChartedOrAlertedOnUnlessScrapeOnly() {
        Set<String> used = new TreeSet<>();
        for (Path file : dashboardFiles()) {
            exprs(dashboard(file)).forEach(e -> used.addAll(DeployPromQl.metricNames(e)));
        }
        for (Path host : ruleFiles()) {
            ruleExprs(host).forEach(e -> used.addAll(DeployPromQl.metricNames(e)));
        }
        Set<String> unused = new TreeSet<>();
        Set<String> listedButUsed = new TreeSet<>();
        for (Metric m : Metrics.ALL) {
            boolean shown = m.prometheusNames().stream().anyMatch(used::contains);
            if (!shown && !SCRAPE_ONLY.contains(m)) {
                unused.add(m.name());
            }
            if (shown && SCRAPE_ONLY.contains(m)) {
                listedButUsed.add(m.name());
            }
        }
        assertTrue(
                unused.isEmpty(),
                "metrics on no dashboard and in no alert (chart them, or list them in SCRAPE_ONLY): " + unused);
        assertTrue(
                listedButUsed.isEmpty(), "SCRAPE_ONLY lists metrics a dashboard or alert does use: " + listedButUsed);
    }

    private static void collectUnknown(Map<String, Set<String>> unknown, String where, String expr) {
        for (String metric : DeployPromQl.metricNames(expr)) {
            if (!KNOWN_METRICS.contains(metric)) {
                unknown.computeIfAbsent(where, k -> new TreeSet<>()).add(metric);
            }
        }
    }
}

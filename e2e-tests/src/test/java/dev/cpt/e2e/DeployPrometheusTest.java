package dev.cpt.e2e;

import static dev.cpt.contracts.metrics.Metrics.EVAL_FORGETTING;
import static dev.cpt.contracts.metrics.Metrics.KAFKA_CONSUMER_RECORDS_LAG_MAX;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_SKIPPED_STEPS;
import static dev.cpt.e2e.DeployCompose.allServiceNames;
import static dev.cpt.e2e.DeployCompose.portOf;
import static dev.cpt.e2e.DeployFiles.asList;
import static dev.cpt.e2e.DeployFiles.asMap;
import static dev.cpt.e2e.DeployFiles.mapOrEmpty;
import static dev.cpt.e2e.DeployFiles.str;
import static dev.cpt.e2e.DeployFiles.yaml;
import static dev.cpt.e2e.DeployPrometheus.prometheusConfigFile;
import static dev.cpt.e2e.DeployPrometheus.ruleFiles;
import static dev.cpt.e2e.DeployPrometheus.scrapeTargets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cpt.contracts.TrainingBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Prometheus scrapes every service at /q/metrics and loads the alert rules the operators rely on. */
class DeployPrometheusTest {

    @Test
    void prometheusScrapesEveryServiceAtQMetricsOnItsPort() {
        Map<String, Object> config = yaml(prometheusConfigFile());
        List<Object> scrapeConfigs = asList(config.get("scrape_configs"), "scrape_configs");

        allServiceNames().forEach(name -> {
            String target = name + ":" + portOf(name);
            List<String> jobs = new ArrayList<>();
            for (Object o : scrapeConfigs) {
                Map<String, Object> job = asMap(o, "scrape_config");
                if (scrapeTargets(job).contains(target)) {
                    jobs.add(str(job.get("job_name")));
                    assertEquals(
                            "/q/metrics",
                            str(job.get("metrics_path")),
                            "job " + job.get("job_name") + " scrapes " + target + " at the default /metrics");
                }
            }
            assertEquals(1, jobs.size(), target + " should be scraped by exactly one job, is by " + jobs);
        });
    }

    @Test
    void prometheusLoadsAlertRulesCoveringForgettingLagSkippedStepsAndDownServices() {
        List<Map<String, Object>> groups = new ArrayList<>();
        for (Path host : ruleFiles()) {
            for (Object g : asList(yaml(host).get("groups"), host + " groups")) {
                groups.add(asMap(g, "group"));
            }
        }
        assertTrue(groups.size() >= 4, "expected at least four alert groups, found " + groups.size());

        for (Map<String, Object> group : groups) {
            String groupName = str(group.get("name"));
            assertTrue(groupName != null && !groupName.isBlank(), "alert group without a name");
            List<Object> rules = asList(group.get("rules"), groupName + ".rules");
            assertFalse(rules.isEmpty(), "alert group " + groupName + " has no rules");
            for (Object r : rules) {
                Map<String, Object> rule = asMap(r, groupName + " rule");
                String alert = str(rule.get("alert"));
                assertTrue(alert != null && !alert.isBlank(), groupName + ": a rule without an alert name");
                String expr = str(rule.get("expr"));
                DeployPromQl.problem(expr).ifPresent(p -> fail("alert " + alert + ": " + p + " in " + expr));
                assertNotNull(mapOrEmpty(rule, "labels", alert).get("severity"), alert + " has no severity label");
                assertNotNull(mapOrEmpty(rule, "annotations", alert).get("summary"), alert + " has no summary");
            }
        }

        Map<String, Predicate<String>> concerns = new LinkedHashMap<>();
        concerns.put(
                "forgetting over a threshold",
                expr -> DeployPromQl.metricNames(expr).contains(EVAL_FORGETTING.prometheusName())
                        && expr.contains(">"));
        // The Kafka client tags fetch metrics with the topic as is and, in its older form, with
        // dots replaced by underscores; the rule must select the batches topic either way.
        concerns.put(
                "consumer lag on " + TrainingBatch.TOPIC,
                expr -> DeployPromQl.metricNames(expr).contains(KAFKA_CONSUMER_RECORDS_LAG_MAX.prometheusName())
                        && DeployPromQl.labelMatcher(expr, "topic")
                                .map(m -> m.selects(TrainingBatch.TOPIC)
                                        && m.selects(TrainingBatch.TOPIC.replace('.', '_')))
                                .orElse(false));
        concerns.put(
                "skipped (NaN) training steps increasing",
                expr -> DeployPromQl.metricNames(expr).contains(TRAINER_SKIPPED_STEPS.prometheusName())
                        && expr.matches("(?s).*\\b(increase|rate|irate|delta|deriv)\\s*\\(.*"));
        concerns.put("a service down", expr -> expr.matches("(?s).*(?<![\\w:])up\\s*(\\{[^}]*})?\\s*==\\s*0.*"));
        Set<String> coveringGroups = new LinkedHashSet<>();
        concerns.forEach((concern, matches) -> {
            Optional<String> group = groups.stream()
                    .filter(g -> asList(g.get("rules"), "rules").stream()
                            .anyMatch(r -> matches.test(str(asMap(r, "rule").get("expr")))))
                    .map(g -> str(g.get("name")))
                    .findFirst();
            assertTrue(group.isPresent(), "no alert rule for " + concern);
            coveringGroups.add(group.get());
        });
        assertEquals(
                concerns.size(),
                coveringGroups.size(),
                "each concern should have its own alert group, found " + coveringGroups);
    }
}

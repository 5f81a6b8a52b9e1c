package dev.cpt.e2e;

import static dev.cpt.contracts.metrics.Metrics.EVAL_BWT;
import static dev.cpt.contracts.metrics.Metrics.EVAL_FORGETTING;
import static dev.cpt.contracts.metrics.Metrics.EVAL_FORGETTING_VS_BASE;
import static dev.cpt.contracts.metrics.Metrics.EVAL_FWT;
import static dev.cpt.contracts.metrics.Metrics.EVAL_LOSS;
import static dev.cpt.contracts.metrics.Metrics.EVAL_MATRIX;
import static dev.cpt.contracts.metrics.Metrics.EVAL_PERPLEXITY;
import static dev.cpt.contracts.metrics.Metrics.EVAL_REGRESSION;
import static dev.cpt.contracts.metrics.Metrics.EVAL_STABILITY_GAP_DEPTH;
import static dev.cpt.contracts.metrics.Metrics.GRPO_HELDOUT_REWARD;
import static dev.cpt.contracts.metrics.Metrics.GRPO_KL;
import static dev.cpt.contracts.metrics.Metrics.GRPO_REWARD_MEAN;
import static dev.cpt.contracts.metrics.Metrics.GRPO_STALE_GROUPS;
import static dev.cpt.contracts.metrics.Metrics.INGEST_DOCUMENTS;
import static dev.cpt.contracts.metrics.Metrics.INGEST_DUPLICATES;
import static dev.cpt.contracts.metrics.Metrics.INGEST_QUALITY;
import static dev.cpt.contracts.metrics.Metrics.INGEST_REJECTS;
import static dev.cpt.contracts.metrics.Metrics.KAFKA_CONSUMER_RECORDS_LAG_MAX;
import static dev.cpt.contracts.metrics.Metrics.MIXER_BUFFERED_TOKENS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_DOCUMENTS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_POLICY_REWARD;
import static dev.cpt.contracts.metrics.Metrics.MIXER_REPLAY_SHARE;
import static dev.cpt.contracts.metrics.Metrics.MIXER_RESERVOIR_TOKENS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_ROUNDS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_WEIGHT;
import static dev.cpt.contracts.metrics.Metrics.REWARD_LATENCY;
import static dev.cpt.contracts.metrics.Metrics.REWARD_REJECTS;
import static dev.cpt.contracts.metrics.Metrics.REWARD_REQUESTS;
import static dev.cpt.contracts.metrics.Metrics.REWARD_SCORE;
import static dev.cpt.contracts.metrics.Metrics.REWARD_TERM;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_CHECKPOINTS;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_GRAD_NORM;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_LEARNING_RATE;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_LOSS;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_SKIPPED_STEPS;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_TOKENS_PER_SECOND;
import static dev.cpt.e2e.DeployCompose.service;
import static dev.cpt.e2e.DeployFiles.asList;
import static dev.cpt.e2e.DeployFiles.asMap;
import static dev.cpt.e2e.DeployFiles.containerPorts;
import static dev.cpt.e2e.DeployFiles.environment;
import static dev.cpt.e2e.DeployFiles.hostPathOf;
import static dev.cpt.e2e.DeployFiles.map;
import static dev.cpt.e2e.DeployFiles.orderedMap;
import static dev.cpt.e2e.DeployFiles.str;
import static dev.cpt.e2e.DeployFiles.yaml;
import static dev.cpt.e2e.DeployGrafana.assertDatasource;
import static dev.cpt.e2e.DeployGrafana.dashboard;
import static dev.cpt.e2e.DeployGrafana.dashboardByUid;
import static dev.cpt.e2e.DeployGrafana.dashboardFiles;
import static dev.cpt.e2e.DeployGrafana.dashboardsDir;
import static dev.cpt.e2e.DeployGrafana.exprs;
import static dev.cpt.e2e.DeployGrafana.panels;
import static dev.cpt.e2e.DeployGrafana.prometheusDatasource;
import static dev.cpt.e2e.DeployPrometheus.UP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Grafana's provisioning, and the dashboards it loads: well-formed, on the provisioned datasource, showing what each is for. */
class DeployGrafanaTest {

    private final Path root = DeployFiles.repoRoot();

    /** What each dashboard (by uid) must show at the least. */
    private static final Map<String, Set<String>> DASHBOARD_METRICS = orderedMap(
            "cpt-pipeline",
                    Set.of(
                            INGEST_DOCUMENTS.prometheusName(),
                            MIXER_DOCUMENTS.prometheusName(),
                            INGEST_REJECTS.prometheusName(),
                            INGEST_DUPLICATES.prometheusName(),
                            INGEST_QUALITY.bucket(),
                            UP),
            "cpt-training",
                    Set.of(
                            TRAINER_LOSS.prometheusName(),
                            TRAINER_TOKENS_PER_SECOND.prometheusName(),
                            TRAINER_LEARNING_RATE.prometheusName(),
                            TRAINER_GRAD_NORM.prometheusName(),
                            TRAINER_SKIPPED_STEPS.prometheusName(),
                            TRAINER_CHECKPOINTS.prometheusName(),
                            KAFKA_CONSUMER_RECORDS_LAG_MAX.prometheusName()),
            "cpt-mixing",
                    Set.of(
                            MIXER_WEIGHT.prometheusName(),
                            MIXER_BUFFERED_TOKENS.prometheusName(),
                            MIXER_ROUNDS.prometheusName(),
                            MIXER_REPLAY_SHARE.prometheusName(),
                            MIXER_RESERVOIR_TOKENS.prometheusName(),
                            MIXER_POLICY_REWARD.prometheusName()),
            "cpt-forgetting",
                    Set.of(
                            EVAL_LOSS.prometheusName(),
                            EVAL_PERPLEXITY.prometheusName(),
                            EVAL_FORGETTING.prometheusName(),
                            EVAL_FORGETTING_VS_BASE.prometheusName(),
                            EVAL_BWT.prometheusName(),
                            EVAL_FWT.prometheusName(),
                            EVAL_MATRIX.prometheusName(),
                            EVAL_STABILITY_GAP_DEPTH.prometheusName(),
                            EVAL_REGRESSION.prometheusName()),
            "cpt-reward",
                    Set.of(
                            REWARD_REQUESTS.prometheusName(),
                            REWARD_SCORE.sum(),
                            REWARD_SCORE.count(),
                            REWARD_TERM.sum(),
                            REWARD_LATENCY.sum(),
                            REWARD_REJECTS.prometheusName(),
                            GRPO_REWARD_MEAN.prometheusName(),
                            GRPO_HELDOUT_REWARD.prometheusName(),
                            GRPO_KL.prometheusName(),
                            GRPO_STALE_GROUPS.prometheusName()));

    @Test
    void grafanaProvisioningExistsAndPointsAtTheMountedDashboards() {
        Map<String, Object> grafana = service("grafana");
        Path provisioning = hostPathOf(root, grafana, "grafana", "/etc/grafana/provisioning")
                .orElseGet(() -> fail("nothing mounted at /etc/grafana/provisioning"));
        assertEquals(root.resolve("deploy/grafana/provisioning"), provisioning, "provisioning source");

        Map<String, Object> datasource = prometheusDatasource();
        String url = str(datasource.get("url"));
        Matcher hostPort = Pattern.compile("^https?://([^:/]+):(\\d+)").matcher(url == null ? "" : url);
        assertTrue(hostPort.find(), "datasource url " + url + " names no host:port");
        Map<String, Object> prometheus = service(hostPort.group(1));
        assertTrue(
                containerPorts(prometheus, hostPort.group(1)).contains(Integer.parseInt(hostPort.group(2))),
                "the datasource points at a port prometheus does not listen on: " + url);

        Path dashboardsYml = provisioning.resolve("dashboards/dashboards.yml");
        List<Object> providers = asList(yaml(dashboardsYml).get("providers"), "providers");
        assertFalse(providers.isEmpty(), dashboardsYml + " has no provider");
        for (Object p : providers) {
            Map<String, Object> provider = asMap(p, "provider");
            assertEquals("file", str(provider.getOrDefault("type", "file")), "provider type");
            String path = str(map(provider, "options", "provider").get("path"));
            assertNotNull(path, "provider " + provider.get("name") + " has no options.path");
            Path host = hostPathOf(root, grafana, "grafana", path)
                    .orElseGet(() -> fail("the dashboards provider reads " + path + ", where nothing is mounted"));
            assertEquals(dashboardsDir(), host, "the provider path " + path + " should be deploy/grafana/dashboards");
            assertTrue(dashboardFiles().size() >= 5, "expected five dashboards in " + host);
        }

        String home = environment(grafana, "grafana").get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH");
        if (home != null) {
            Path host = hostPathOf(root, grafana, "grafana", home).orElseGet(() -> fail(home + " is not mounted"));
            assertTrue(Files.isRegularFile(host), "home dashboard " + host + " does not exist");
        }
    }

    @Test
    void everyDashboardHasTitleUidPanelsAndPlausibleQueries() {
        String datasourceUid = str(prometheusDatasource().get("uid"));
        Set<String> uids = new LinkedHashSet<>();
        for (Path file : dashboardFiles()) {
            JsonNode dashboard = dashboard(file);
            String title = dashboard.path("title").asText("");
            String uid = dashboard.path("uid").asText("");
            assertFalse(title.isBlank(), file + " has no title");
            assertFalse(uid.isBlank(), file + " has no uid");
            assertTrue(uid.length() <= 40, file + ": Grafana uids are at most 40 characters");
            assertTrue(uids.add(uid), file + " reuses the uid " + uid);

            List<JsonNode> panels = panels(dashboard);
            assertFalse(panels.isEmpty(), file + " has no panels");
            for (JsonNode panel : panels) {
                String where = file.getFileName() + " / " + panel.path("title").asText("(untitled)");
                assertDatasource(panel.path("datasource"), datasourceUid, where);
                List<String> exprs = new ArrayList<>();
                for (JsonNode target : panel.path("targets")) {
                    assertDatasource(target.path("datasource"), datasourceUid, where);
                    String expr = target.path("expr").asText("");
                    if (!expr.isBlank()) {
                        DeployPromQl.problem(expr).ifPresent(p -> fail(where + ": " + p + " in " + expr));
                        exprs.add(expr);
                    }
                }
                assertFalse(exprs.isEmpty(), where + " has no query (targets[].expr)");
            }
            for (JsonNode variable : dashboard.path("templating").path("list")) {
                if ("query".equals(variable.path("type").asText())) {
                    assertDatasource(
                            variable.path("datasource"), datasourceUid, file + " variable " + variable.path("name"));
                }
            }
        }
    }

    @Test
    void dashboardsShowWhatEachIsFor() {
        Map<String, Set<String>> shown = new HashMap<>();
        for (Path file : dashboardFiles()) {
            JsonNode dashboard = dashboard(file);
            shown.put(
                    dashboard.path("uid").asText(),
                    exprs(dashboard).stream()
                            .flatMap(e -> DeployPromQl.metricNames(e).stream())
                            .collect(Collectors.toSet()));
        }
        DASHBOARD_METRICS.forEach((uid, metrics) -> {
            assertTrue(shown.containsKey(uid), "no dashboard with uid " + uid);
            Set<String> missing = new TreeSet<>(metrics);
            missing.removeAll(shown.get(uid));
            assertTrue(missing.isEmpty(), "dashboard " + uid + " shows none of " + missing);
        });
        assertTrue(
                exprs(dashboardByUid("cpt-reward")).stream()
                        .anyMatch(
                                e -> e.matches("(?s).*" + REWARD_SCORE.sum() + ".*/.*" + REWARD_SCORE.count() + ".*")),
                "the reward dashboard should show the mean reward as score_sum / score_count");
    }
}

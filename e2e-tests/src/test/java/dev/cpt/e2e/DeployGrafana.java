package dev.cpt.e2e;

import static dev.cpt.e2e.DeployFiles.asList;
import static dev.cpt.e2e.DeployFiles.asMap;
import static dev.cpt.e2e.DeployFiles.repoRoot;
import static dev.cpt.e2e.DeployFiles.str;
import static dev.cpt.e2e.DeployFiles.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The provisioned Prometheus datasource and the dashboards Grafana loads, with their panels and queries. */
final class DeployGrafana {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DeployGrafana() {}

    static Map<String, Object> prometheusDatasource() {
        Path file = repoRoot().resolve("deploy/grafana/provisioning/datasources/prometheus.yml");
        List<Object> datasources = asList(yaml(file).get("datasources"), file + " datasources");
        Map<String, Object> ds = datasources.stream()
                .map(d -> asMap(d, "datasource"))
                .filter(d -> "prometheus".equals(str(d.get("type"))))
                .findFirst()
                .orElseGet(() -> fail(file + " provisions no prometheus datasource"));
        assertFalse(
                str(ds.getOrDefault("uid", "")).isBlank(), "the dashboards reference the datasource by uid: set one");
        return ds;
    }

    static Path dashboardsDir() {
        return repoRoot().resolve("deploy/grafana/dashboards");
    }

    static List<Path> dashboardFiles() {
        try (Stream<Path> files = Files.list(dashboardsDir())) {
            List<Path> json =
                    files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
            assertTrue(json.size() >= 5, "expected at least five dashboards in " + dashboardsDir() + ", found " + json);
            return json;
        } catch (IOException e) {
            return fail("cannot list " + dashboardsDir(), e);
        }
    }

    static JsonNode dashboard(Path file) {
        try {
            JsonNode node = JSON.readTree(file.toFile());
            assertTrue(node != null && node.isObject(), file + " is not a JSON object");
            return node;
        } catch (IOException e) {
            return fail(file + " does not parse as JSON: " + e.getMessage(), e);
        }
    }

    static JsonNode dashboardByUid(String uid) {
        return dashboardFiles().stream()
                .map(DeployGrafana::dashboard)
                .filter(d -> uid.equals(d.path("uid").asText()))
                .findFirst()
                .orElseGet(() -> fail("no dashboard with uid " + uid));
    }

    /** Panels, including those nested in (collapsed) rows, without the rows themselves. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            if ("row".equals(p.path("type").asText())) {
                p.path("panels").forEach(out::add);
            } else {
                out.add(p);
            }
        }
        return out;
    }

    static List<String> exprs(JsonNode dashboard) {
        List<String> out = new ArrayList<>();
        for (JsonNode panel : panels(dashboard)) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText("");
                if (!expr.isBlank()) {
                    out.add(expr);
                }
            }
        }
        return out;
    }

    /** A datasource reference, where present, must be the provisioned Prometheus by uid. */
    static void assertDatasource(JsonNode ref, String uid, String where) {
        if (ref.isMissingNode() || ref.isNull()) {
            return;
        }
        assertTrue(ref.isObject(), where + ": datasource should be {type, uid}, not the name " + ref);
        assertEquals(uid, ref.path("uid").asText(), where + ": datasource uid");
    }
}

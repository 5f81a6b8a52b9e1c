package dev.cpt.e2e;

import static dev.cpt.e2e.DeployCompose.service;
import static dev.cpt.e2e.DeployFiles.asList;
import static dev.cpt.e2e.DeployFiles.asMap;
import static dev.cpt.e2e.DeployFiles.commandText;
import static dev.cpt.e2e.DeployFiles.hostPathOf;
import static dev.cpt.e2e.DeployFiles.listOrEmpty;
import static dev.cpt.e2e.DeployFiles.repoRoot;
import static dev.cpt.e2e.DeployFiles.str;
import static dev.cpt.e2e.DeployFiles.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** prometheus.yml and its alert rule files, found on the host through the prometheus container's mounts. */
final class DeployPrometheus {

    /** The metric Prometheus itself records for every target it scrapes, 1 while the target answers. */
    static final String UP = "up";

    private DeployPrometheus() {}

    /** Where Prometheus reads its configuration in the container: its --config.file, or the image default. */
    static String containerConfigFile() {
        for (String arg : commandText(service("prometheus").get("command")).split("\\s+")) {
            if (arg.startsWith("--config.file=")) {
                return arg.substring("--config.file=".length());
            }
        }
        return "/etc/prometheus/prometheus.yml";
    }

    /** prometheus.yml on the host, through the container's mounts; it must be deploy/prometheus/prometheus.yml. */
    static Path prometheusConfigFile() {
        String containerPath = containerConfigFile();
        Path host = hostPathOf(repoRoot(), service("prometheus"), "prometheus", containerPath)
                .orElseGet(() -> fail(containerPath + " is not mounted into the prometheus container"));
        assertEquals(repoRoot().resolve("deploy/prometheus/prometheus.yml"), host, "Prometheus config source");
        return host;
    }

    /** The rule files prometheus.yml names, on the host, through the prometheus container's mounts. */
    static List<Path> ruleFiles() {
        List<Object> ruleFiles = asList(yaml(prometheusConfigFile()).get("rule_files"), "rule_files");
        assertFalse(ruleFiles.isEmpty(), "prometheus.yml names no rule file");
        String configDir =
                containerConfigFile().substring(0, containerConfigFile().lastIndexOf('/'));
        List<Path> out = new ArrayList<>();
        for (Object f : ruleFiles) {
            String containerPath = str(f).startsWith("/") ? str(f) : configDir + "/" + f;
            Path host = hostPathOf(repoRoot(), service("prometheus"), "prometheus", containerPath)
                    .orElseGet(
                            () -> fail("rule file " + containerPath + " is not mounted into the prometheus container"));
            assertTrue(Files.isRegularFile(host), "rule file " + host + " does not exist");
            out.add(host);
        }
        return out;
    }

    /** host:port targets of a scrape job, from static_configs and dns_sd_configs (A/AAAA with a port). */
    static Set<String> scrapeTargets(Map<String, Object> job) {
        Set<String> targets = new LinkedHashSet<>();
        String name = str(job.get("job_name"));
        for (Object sc : listOrEmpty(job, "static_configs", name)) {
            listOrEmpty(asMap(sc, name + ".static_configs"), "targets", name).forEach(t -> targets.add(str(t)));
        }
        for (Object dc : listOrEmpty(job, "dns_sd_configs", name)) {
            Map<String, Object> dns = asMap(dc, name + ".dns_sd_configs");
            Object port = dns.get("port");
            listOrEmpty(dns, "names", name).forEach(n -> targets.add(n + ":" + port));
        }
        return targets;
    }

    /** The expression of every rule in a rule file. */
    static List<String> ruleExprs(Path ruleFile) {
        List<String> out = new ArrayList<>();
        for (Object g : asList(yaml(ruleFile).get("groups"), "groups")) {
            for (Object r : asList(asMap(g, "group").get("rules"), "rules")) {
                out.add(str(asMap(r, "rule").get("expr")));
            }
        }
        return out;
    }
}

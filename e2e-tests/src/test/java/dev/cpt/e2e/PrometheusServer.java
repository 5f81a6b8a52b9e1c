package dev.cpt.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cpt.contracts.Json;
import dev.cpt.launcher.Service;
import dev.cpt.launcher.Stack;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus (Debian's {@code prometheus} package, installed by {@code e2e-tests/bin/ensure-prometheus.sh}
 * when missing) scraping the embedded stack's five services, with the project's alert rules loaded.
 */
final class PrometheusServer implements AutoCloseable {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final int port;
    private final Path log;

    private PrometheusServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * The directory with {@code prometheus} and {@code promtool}: installs Debian's package when missing, or fails
     * saying why.
     */
    static Path binaries(Path repoRoot) {
        Path script = repoRoot.resolve("e2e-tests/bin/ensure-prometheus.sh");
        Commands.Result r = Commands.run(
                List.of(
                        "bash",
                        script.toString(),
                        repoRoot.resolve("e2e-tests/target/prometheus").toString()),
                Duration.ofMinutes(5));
        if (r.exitCode() != 0) {
            fail("Prometheus is needed for this test and could not be installed (" + script + " exited " + r.exitCode()
                    + "):\n" + r.output());
        }
        String[] lines = r.stdout().strip().split("\n");
        Path dir = Path.of(lines[lines.length - 1].strip());
        if (!Files.isExecutable(dir.resolve("prometheus")) || !Files.isExecutable(dir.resolve("promtool"))) {
            fail(script + " named " + dir + ", which holds no prometheus and promtool:\n" + r.output());
        }
        return dir;
    }

    /**
     * The scrape configuration of deploy/prometheus/prometheus.yml pointed at the embedded stack: the same job names
     * (the dashboards and alerts select on them), {@code /q/metrics}, the same rule file, a 1 s interval so a short
     * test has samples enough for {@code rate()}.
     */
    static String config(Stack stack, Path alertRules) {
        StringBuilder yml = new StringBuilder()
                .append("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n")
                .append("rule_files:\n  - ")
                .append(Json.write(alertRules.toString()))
                .append('\n')
                .append("scrape_configs:\n");
        for (Service s : Service.values()) {
            URI url = stack.service(s).url("/");
            yml.append("  - job_name: ")
                    .append(s.module())
                    .append('\n')
                    .append("    metrics_path: /q/metrics\n")
                    .append("    static_configs:\n      - targets: [\"")
                    .append(url.getHost())
                    .append(':')
                    .append(url.getPort())
                    .append("\"]\n");
        }
        return yml.toString();
    }

    static PrometheusServer start(Path binaries, Path workDir, String config) throws IOException {
        Files.createDirectories(workDir);
        Path configFile = workDir.resolve("prometheus.yml");
        Files.writeString(configFile, config);
        Commands.Result check = Commands.run(
                List.of(binaries.resolve("promtool").toString(), "check", "config", configFile.toString()),
                Duration.ofMinutes(1));
        if (check.exitCode() != 0) {
            fail("promtool check config rejected the generated configuration:\n" + config + "\n" + check.output());
        }
        int port = dev.cpt.kafka.EmbeddedKafka.freePort();
        Path log = workDir.resolve("prometheus.log");
        Process p = new ProcessBuilder(
                        binaries.resolve("prometheus").toString(),
                        "--config.file=" + configFile,
                        "--storage.tsdb.path=" + workDir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port,
                        "--log.level=warn")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        PrometheusServer server = new PrometheusServer(p, port, log);
        server.awaitReady(Duration.ofMinutes(1));
        return server;
    }

    private void awaitReady(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("Prometheus exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                if (get("/-/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            sleep(Duration.ofMillis(200));
        }
        fail("Prometheus was not ready within " + timeout + ":\n" + Files.readString(log));
    }

    /** The result vector (or matrix) of an instant query; fails the test on a query error. */
    JsonNode query(String promQl) throws IOException {
        HttpResponse<String> r = get("/api/v1/query?query=" + URLEncoder.encode(promQl, StandardCharsets.UTF_8));
        JsonNode body = Json.MAPPER.readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            fail("Prometheus refused " + promQl + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return body.path("data").path("result");
    }

    /** Every loaded rule (alerting and recording) as Prometheus reports it, with its health. */
    List<JsonNode> rules() throws IOException {
        JsonNode body = Json.MAPPER.readTree(get("/api/v1/rules").body());
        List<JsonNode> rules = new ArrayList<>();
        body.path("data").path("groups").forEach(g -> g.path("rules").forEach(rules::add));
        return rules;
    }

    /** The scrape targets with their health and last error. */
    JsonNode targets() throws IOException {
        return Json.MAPPER.readTree(get("/api/v1/targets").body()).path("data").path("activeTargets");
    }

    private HttpResponse<String> get(String path) throws IOException {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .timeout(Duration.ofSeconds(30))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}

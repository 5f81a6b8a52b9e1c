package dev.cpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.RawDocument;
import dev.cpt.contracts.RewardRequest;
import dev.cpt.contracts.RewardResponse;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.launcher.Service;
import dev.cpt.launcher.Stack;
import dev.cpt.launcher.StackOptions;
import dev.cpt.testkit.AwaitRecord;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboards against a real Prometheus: Debian's {@code prometheus} scrapes the embedded stack's five services
 * while a small workload runs through them (two domains one after the other, a duplicate, a rejected line, an inbox
 * file, reward requests over HTTP and Kafka), then every panel query of {@code deploy/grafana/dashboards/*.json} must
 * return data from Prometheus's HTTP API, and every alert rule of {@code deploy/prometheus/alerts.yml} must load and
 * evaluate without error. The stack runs with {@code cpt.security.api-key}: REST calls carry it, a call without it is
 * refused, and Prometheus scrapes without it.
 */
class PrometheusDashboardIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$\\w+");
    /** The stack runs with an API key, so this test also shows that probes and scrapes need none. */
    private static final String API_KEY = "dashboards-test-key";

    /**
     * Panels whose series exist only after an event this workload does not (and should not) cause, keyed by
     * "file / panel title / expression", with the reason. Empty today: the trainer registers its guard meters at 0
     * and the workload runs a GRPO stage. An exempt query that returns data fails the test, so an entry cannot
     * outlive its reason.
     */
    private static final Map<String, String> EXEMPT = Map.of();

    @TempDir
    Path dataDir;

    @Test
    void everyPanelQueryReturnsDataAndEveryAlertRuleEvaluates() throws Exception {
        Path root = DeployFiles.repoRoot();
        Path alerts = root.resolve("deploy/prometheus/alerts.yml");
        Path binaries = PrometheusServer.binaries(root);

        Commands.Result rules = Commands.run(
                List.of(binaries.resolve("promtool").toString(), "check", "rules", alerts.toString()),
                Duration.ofMinutes(1));
        assertEquals(0, rules.exitCode(), "promtool check rules " + alerts + ":\n" + rules.output());

        // -Dcpt.e2e.services-root: start service builds from another checkout (default: this one).
        Path services = Path.of(System.getProperty("cpt.e2e.services-root", root.toString()));
        StackOptions options = StackOptions.ephemeral(services, dataDir.resolve("stack"))
                .with("cpt.security.api-key", API_KEY)
                .with("cpt.trainer.run-id", "dashboards")
                .with("cpt.trainer.checkpoint-every-steps", "2")
                // The tiny model (context 64) keeps the drill about the pipeline, not about CPU time: the stack
                // shares two cores with the test, and what is checked does not depend on the model's size.
                .with("cpt.trainer.model", "tiny")
                .with("cpt.mixer.context-length", "64")
                .with("cpt.mixer.flush-after", "1s")
                // The stack plumbing is under test, not the encoder: the tiny one trains in seconds.
                .with("cpt.reward.encoder.preset", "tiny");
        try (Stack stack = Stack.start(options);
                KafkaCompanion kafka = new KafkaCompanion(stack.kafka().bootstrapServers());
                PrometheusServer prometheus = PrometheusServer.start(
                        binaries, dataDir.resolve("prometheus"), PrometheusServer.config(stack, alerts))) {
            assertRestNeedsTheKey(stack);
            runWorkload(stack, kafka);

            Map<String, String> queries = panelQueries(root.resolve("deploy/grafana/dashboards"));
            assertTrue(queries.size() >= 30, "expected the five dashboards' queries, found " + queries.size());
            Map<String, String> empty = awaitData(prometheus, queries, Duration.ofMinutes(2));
            for (String exempt : EXEMPT.keySet()) {
                assertTrue(
                        empty.containsKey(exempt), "the panel query returns data now, drop its exemption: " + exempt);
            }
            empty.keySet().removeAll(EXEMPT.keySet());
            assertTrue(
                    empty.isEmpty(),
                    "panel queries without data after the workload:\n" + String.join("\n", empty.keySet())
                            + "\ntargets: " + prometheus.targets());
            for (String exempt : EXEMPT.keySet()) {
                assertTrue(queries.containsKey(exempt), "the exemption names no panel query any more: " + exempt);
            }

            // Scrapes carried no key, yet every target is up: /q/metrics stays open under cpt.security.api-key.
            for (JsonNode target : prometheus.targets()) {
                assertEquals("up", target.path("health").asText(), "scrape target " + target);
            }

            List<JsonNode> loaded = prometheus.rules();
            assertTrue(loaded.size() >= 10, "alert rules not loaded: " + loaded);
            for (JsonNode rule : loaded) {
                assertEquals("ok", rule.path("health").asText(), rule.path("name") + ": " + rule.path("lastError"));
            }
            // Every service is scraped, so no ServiceDown alert is pending or firing.
            assertEquals(
                    0,
                    prometheus.query("ALERTS{alertname=\"ServiceDown\"}").size(),
                    "ServiceDown fired on a running stack");

            // ...and a crashed one raises it: SIGKILL reward-service, the alert goes pending at the next evaluations.
            stack.service(Service.REWARD).kill();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            JsonNode down;
            while ((down = prometheus.query("ALERTS{alertname=\"ServiceDown\",job=\"reward-service\"}")).isEmpty()
                    && System.nanoTime() < deadline) {
                PrometheusServer.sleep(Duration.ofSeconds(1));
            }
            assertFalse(down.isEmpty(), "ServiceDown did not go pending within 60 s of killing reward-service");
        }
    }

    /**
     * A document and a batch cut by a tokenizer that is not the run's: the mixer and the trainer dead-letter each with
     * its reason, which the "Rejects by reason" panel plots.
     */
    private static void sendOtherTokenizersData(KafkaCompanion kafka) {
        String foreign = "0".repeat(64);
        int[] tokens = {1, 2, 3, 4};
        Document document = new Document(
                "dash-foreign",
                "arithmetic",
                "1 + 1 = 2",
                "hf-0000000000000000",
                foreign,
                tokens,
                "e2e",
                java.time.Instant.now(),
                Map.of());
        TrainingBatch batch = new TrainingBatch(
                "dash-foreign-batch",
                0,
                64,
                List.of(new PackedSequence("arithmetic", tokens, List.of("dash-foreign"))),
                Map.of("arithmetic", 1.0),
                java.time.Instant.now(),
                foreign);
        kafka.produceStrings()
                .fromRecords(
                        new org.apache.kafka.clients.producer.ProducerRecord<>(
                                Document.TOPIC, "arithmetic", Json.write(document)),
                        new org.apache.kafka.clients.producer.ProducerRecord<>(
                                TrainingBatch.TOPIC, "dash-foreign-batch", Json.write(batch)))
                .awaitCompletion();
    }

    private void runWorkload(Stack stack, KafkaCompanion kafka) throws Exception {
        // Phase 1: arithmetic, with an exact duplicate and a line that is not JSON (rejected with a reason).
        List<RawDocument> arithmetic = Workload.arithmetic("dash-arith", 24, 11);
        var ledger = new Workload.Ledger();
        List<RawDocument> first = new ArrayList<>(arithmetic);
        first.add(new RawDocument(
                "dash-arith-copy", "arithmetic", arithmetic.get(0).text(), "e2e"));
        Workload.post(stack, first, ledger, API_KEY);
        postRawLine(stack, "{this is not json");
        sendOtherTokenizersData(kafka);
        assertFalse(ledger.duplicates.isEmpty(), "the copied document was not reported as a duplicate: " + ledger);

        // A file in the watched inbox (its folder names the domain).
        Path inbox = stack.inbox().resolve("arithmetic");
        Files.createDirectories(inbox);
        Files.writeString(
                inbox.resolve("facts.txt"),
                Workload.arithmetic("dash-inbox", 1, 99).get(0).text());

        LoopWaits.checkpointTrainedOn(kafka, "arithmetic", 1, TIMEOUT);

        // Phase 2: a new domain, so eval sees two phases (transfer, stability gap, forgetting of arithmetic).
        Workload.post(stack, Workload.units("dash-units", 24, 12), ledger, API_KEY);
        AwaitRecord.first(
                kafka,
                r -> {
                    EvalReport report = Json.read(r.value(), EvalReport.class);
                    return report.error() == null
                            && report.continual() != null
                            && report.continual().phases().size() >= 2
                            && report.continual().backwardTransfer() != null;
                },
                TIMEOUT,
                EvalReport.TOPIC);

        // Reward: one score over HTTP, one request over Kafka.
        HttpResponse<String> scored = score(stack, API_KEY);
        assertEquals(200, scored.statusCode(), scored.body());
        var request = new RewardRequest(
                "dash-reward", "dash-group", "What is 2 plus 2?", "2 plus 2 is 4", "2 plus 2 is 4", Instant.now());
        kafka.produceStrings()
                .fromRecords(new ProducerRecord<>(RewardRequest.TOPIC, "dash-group", Json.write(request)))
                .awaitCompletion(Duration.ofSeconds(30));
        AwaitRecord.first(kafka, r -> r.value().contains("dash-reward"), TIMEOUT, RewardResponse.TOPIC);
        runGrpoStage(stack);
        // A poison request: dead-lettered with its reason and counted as a reject (the rejects panel).
        kafka.produceStrings()
                .fromRecords(new ProducerRecord<>(RewardRequest.TOPIC, "dash-group", "{not a reward request"))
                .awaitCompletion(Duration.ofSeconds(30));
        AwaitRecord.first(kafka, r -> r.value().contains("not a reward request"), TIMEOUT, DeadLetters.REWARD);
    }

    /** A small GRPO stage on the trainer, rewards from the real reward service over Kafka: the GRPO panels' data. */
    private static void runGrpoStage(Stack stack) throws Exception {
        HttpResponse<String> started = HTTP.send(
                HttpRequest.newBuilder(stack.service(Service.TRAINER).url("/grpo"))
                        .header("Content-Type", "application/json")
                        .header("X-API-Key", API_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"task\":\"arithmetic\",\"prompts\":8,\"heldOutPrompts\":4,"
                                        + "\"steps\":2,\"groupSize\":4,\"promptsPerStep\":2,\"maxNewTokens\":16}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, started.statusCode(), started.body());
        String id = Json.MAPPER.readTree(started.body()).path("id").asText();
        Instant deadline = Instant.now().plus(TIMEOUT);
        String state = "";
        while (Instant.now().isBefore(deadline)) {
            JsonNode status = Json.MAPPER.readTree(HTTP.send(
                            HttpRequest.newBuilder(
                                            stack.service(Service.TRAINER).url("/grpo/" + id))
                                    .header("X-API-Key", API_KEY)
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body());
            state = status.path("state").asText();
            if (state.equals("succeeded") || state.equals("failed")) {
                assertEquals("succeeded", state, status.toString());
                return;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError(
                "the GRPO stage " + id + " did not finish within " + TIMEOUT + " (state " + state + ")");
    }

    private static HttpResponse<String> score(Stack stack, String apiKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        stack.service(Service.REWARD).url("/score"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"pairs\":[{\"completion\":\"12 plus 30 is 42\",\"reference\":\"12 plus 30 is 42\"}]}"));
        if (apiKey != null) {
            request.header("X-API-Key", apiKey);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** cpt.security.api-key on the real stack: a REST endpoint refuses a request without it (ApiKeyFilter). */
    private static void assertRestNeedsTheKey(Stack stack) throws Exception {
        HttpResponse<String> refused = score(stack, null);
        assertEquals(
                401,
                refused.statusCode(),
                "POST /score without the API key was not refused (a reward-service"
                        + " packaged before cpt-service-common's ApiKeyFilter? package it again): " + refused.body());
        assertEquals(401, score(stack, API_KEY + "-wrong").statusCode(), "a wrong API key was accepted");
    }

    private static void postRawLine(Stack stack, String line) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(stack.service(Service.INGEST).url("/documents"))
                        .header("Content-Type", "application/x-ndjson")
                        .header("X-API-Key", API_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString(line))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, r.statusCode(), "a line that is not JSON must be rejected: " + r.body());
    }

    /**
     * Every panel query, keyed by "file / panel / expression", with Grafana's variables replaced: a template
     * variable ($run, $domain, $policy: used with =~) by ".*", i.e. "All"; $__rate_interval by a window holding
     * plenty of 1 s scrapes.
     */
    static Map<String, String> panelQueries(Path dashboards) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dashboards)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        for (Path file : files) {
            JsonNode dashboard = Json.MAPPER.readTree(file.toFile());
            for (JsonNode panel : allPanels(dashboard.path("panels"))) {
                for (JsonNode target : panel.path("targets")) {
                    String expr = target.path("expr").asText("");
                    if (!expr.isBlank()) {
                        out.put(
                                file.getFileName() + " / " + panel.path("title").asText() + " / " + expr,
                                substitute(expr));
                    }
                }
            }
        }
        return out;
    }

    static String substitute(String expr) {
        String s = expr.replace("$__rate_interval", "1m")
                .replace("${__rate_interval}", "1m")
                .replace("$__interval", "15s")
                .replace("${__interval}", "15s")
                .replace("$__range", "5m")
                .replace("${__range}", "5m");
        return GRAFANA_VARIABLE.matcher(s).replaceAll(".*");
    }

    private static List<JsonNode> allPanels(JsonNode panels) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : panels) {
            out.add(p);
            out.addAll(allPanels(p.path("panels")));
        }
        return out;
    }

    /** Polls until every query returns a non-empty result or the time is up; returns those still empty. */
    private static Map<String, String> awaitData(
            PrometheusServer prometheus, Map<String, String> queries, Duration timeout) throws Exception {
        Map<String, String> pending = new TreeMap<>(queries);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
                if (!prometheus.query(it.next().getValue()).isEmpty()) {
                    it.remove();
                }
            }
            if (pending.isEmpty() || System.nanoTime() > deadline) {
                return pending;
            }
            PrometheusServer.sleep(Duration.ofSeconds(2));
        }
    }
}

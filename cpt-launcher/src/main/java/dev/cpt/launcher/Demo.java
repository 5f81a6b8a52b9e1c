package dev.cpt.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.DomainScore;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import dev.cpt.contracts.RewardRequest;
import dev.cpt.contracts.RewardResponse;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The demo job on a running stack: the general corpus, then arithmetic, then unit conversion arrive one after the
 * other through ingest's HTTP endpoint; each phase waits until the trainer has trained on every training token of
 * its domain; the last checkpoint is evaluated; the reward service answers a request. Writes the figures to
 * {@code <data-dir>/demo-report.json}.
 */
public final class Demo {
    private static final Duration PHASE_TIMEOUT = Duration.ofMinutes(10);

    private final Stack stack;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newHttpClient();
    private final long started = System.nanoTime();
    private String stage = "starting";

    public Demo(Stack stack, PrintStream out) {
        this.stack = stack;
        this.out = out;
    }

    /** Settings the demo runs the stack with: frequent checkpoints so eval sees the phases. */
    public static StackOptions tune(StackOptions options) {
        return options
                .with("cpt.trainer.checkpoint-every-steps", "20")
                .with("cpt.trainer.checkpoint-when-idle-after", "3s")
                .with("cpt.mixer.flush-after", "2s")
                // The demo's general corpus is ten paragraphs: a larger held-out share keeps some of them for eval.
                .with("cpt.ingest.heldout-percent", "25");
    }

    public DemoResult run() throws IOException, InterruptedException {
        Map<String, List<RawDocument>> phases = new LinkedHashMap<>();
        phases.put("general", SampleCorpus.general());
        phases.put("arithmetic", SampleCorpus.arithmetic(150, 1));
        phases.put("units", SampleCorpus.units(150, 2));

        Map<String, Long> trainTokens = new LinkedHashMap<>();
        Map<String, Long> heldoutDocuments = new LinkedHashMap<>();
        try (TopicWatcher watcher = new TopicWatcher(stack.kafka().bootstrapServers())) {
            for (var phase : phases.entrySet()) {
                String domain = phase.getKey();
                stage = "ingest " + domain;
                JsonNode outcome = post(phase.getValue());
                long tokens = 0;
                long heldout = 0;
                for (JsonNode accepted : outcome.get("accepted")) {
                    if ("TRAIN".equals(accepted.get("split").asText())) {
                        tokens += accepted.get("tokens").asLong();
                    } else {
                        heldout++;
                    }
                }
                trainTokens.put(domain, tokens);
                heldoutDocuments.put(domain, heldout);
                stage = "train " + domain;
                long expected = tokens;
                watcher.await(watcher.checkpoints, c -> c.tokensPerDomain().getOrDefault(domain, 0L) >= expected,
                        PHASE_TIMEOUT, () -> progress(watcher, trainTokens));
            }
            stage = "evaluate";
            CheckpointEvent last = watcher.latestCheckpoint().orElseThrow();
            EvalReport finalReport = watcher.await(watcher.reports, r -> r.step() == last.step(), PHASE_TIMEOUT,
                    () -> progress(watcher, trainTokens));

            stage = "reward";
            RewardResponse reward = askReward(watcher);
            progress(watcher, trainTokens);
            out.println();

            DemoResult result = new DemoResult(trainTokens, heldoutDocuments, List.copyOf(watcher.checkpoints),
                    List.copyOf(watcher.reports), finalReport, reward, (System.nanoTime() - started) / 1e9);
            Path report = stack.options().dataDir().resolve("demo-report.json");
            Files.writeString(report, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result));
            printSummary(result, report);
            return result;
        }
    }

    private JsonNode post(List<RawDocument> docs) throws IOException, InterruptedException {
        String body = docs.stream().map(Json::write).collect(Collectors.joining("\n"));
        var request = HttpRequest.newBuilder(stack.service(Service.INGEST).url("/documents"))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new IllegalStateException("ingest refused the demo documents: " + response.statusCode() + " " + response.body());
        }
        return Json.MAPPER.readTree(response.body());
    }

    private RewardResponse askReward(TopicWatcher watcher) {
        var request = new RewardRequest("demo-1", "demo-group", "How many centimeters are in 3 meters?",
                "3 meters is 300 centimeters, because one meter has 100 centimeters.",
                "Three meters is 300 centimeters since each meter has 100 centimeters.", Instant.now());
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (var producer = new KafkaProducer<String, String>(p)) {
            producer.send(new ProducerRecord<>(RewardRequest.TOPIC, request.groupId(), Json.write(request)));
        }
        return watcher.await(watcher.rewards, r -> r.requestId().equals("demo-1"), Duration.ofMinutes(2), () -> { });
    }

    private void progress(TopicWatcher watcher, Map<String, Long> trainTokens) {
        long target = trainTokens.values().stream().mapToLong(Long::longValue).sum();
        var last = watcher.latestCheckpoint();
        long trained = last.map(CheckpointEvent::tokensSeen).orElse(0L);
        String loss = watcher.reports.isEmpty() ? "-" : watcher.reports.get(watcher.reports.size() - 1).domains().entrySet().stream()
                .map(e -> e.getKey() + " " + String.format("%.3f", e.getValue().loss())).collect(Collectors.joining(", "));
        double elapsed = (System.nanoTime() - started) / 1e9;
        out.printf("\r[%5.0fs] stage %-16s | tokens trained %d of %d ingested so far | step %d | held-out loss: %s      ",
                elapsed, stage, trained, target, last.map(CheckpointEvent::step).orElse(0L), loss);
        out.flush();
    }

    private void printSummary(DemoResult result, Path report) {
        out.println("Held-out loss per domain (nats/token) after each checkpoint:");
        for (EvalReport r : result.reports()) {
            out.printf("  step %5d  %s%n", r.step(), r.domains().entrySet().stream()
                    .map(e -> e.getKey() + " " + String.format("%.3f", e.getValue().loss()))
                    .collect(Collectors.joining("  ")));
        }
        Map<String, DomainScore> last = result.finalReport().domains();
        out.printf("Final checkpoint step %d: %s%n", result.finalReport().step(), last);
        out.printf("Reward for the demo explanation: %.3f%n", result.reward().reward());
        out.printf("Done in %.0f s. Figures: %s%n", result.seconds(), report.toAbsolutePath());
    }

    /** Everything the demo measured. */
    public record DemoResult(Map<String, Long> trainTokens, Map<String, Long> heldoutDocuments,
            List<CheckpointEvent> checkpoints, List<EvalReport> reports, EvalReport finalReport, RewardResponse reward,
            double seconds) {}
}

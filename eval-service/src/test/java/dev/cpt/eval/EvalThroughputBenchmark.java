package dev.cpt.eval;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.Topics;
import dev.cpt.kafka.EmbeddedKafka;
import dev.cpt.model.CheckpointInfo;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import dev.cpt.service.CheckpointStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Eval throughput with the demo model ({@code GptConfig.small1M()}), a command, not a test (see
 * bench/eval-throughput.sh):
 * <ol>
 *   <li>held-out tokens scored per second, in process, on a real checkpoint and a held-out set of
 *       {@code --docs} documents of about {@code --doc-bytes} byte tokens in each of {@code --domains} domains;</li>
 *   <li>checkpoint event to eval report: the packaged eval-service ({@code --service-jar}) runs as its own process on
 *       an embedded KRaft broker; each of {@code --checkpoints} real checkpoints is announced on {@code
 * cpt.checkpoints}
 *       and timed from the event's timestamp until its report is read back from {@code cpt.eval.reports}.</li>
 * </ol>
 * Prints {@code RESULT} lines.
 */
public final class EvalThroughputBenchmark {
    public static void main(String[] args) throws Exception {
        Map<String, String> a = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int docs = Integer.parseInt(a.getOrDefault("docs", "64"));
        int docBytes = Integer.parseInt(a.getOrDefault("doc-bytes", "512"));
        int domains = Integer.parseInt(a.getOrDefault("domains", "3"));
        int checkpoints = Integer.parseInt(a.getOrDefault("checkpoints", "5"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "3"));
        Path serviceJar = Path.of(a.getOrDefault("service-jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath();
        Path work = Files.createTempDirectory("cpt-eval-bench");
        Path store = Files.createDirectories(work.resolve("store"));

        List<Document> heldout = new ArrayList<>();
        Random rng = new Random(42);
        String[] words = ("the of and to in is was for on that with as by at from his her an which are be this had not "
                        + "river mill stone meter liter gram seven twelve sum product equals converts kilometer hour")
                .split(" ");
        for (int d = 0; d < domains; d++) {
            for (int i = 0; i < docs; i++) {
                StringBuilder text = new StringBuilder();
                while (text.length() < docBytes) {
                    text.append(words[rng.nextInt(words.length)])
                            .append(d == 1 ? " = " + rng.nextInt(1000) + " " : " ");
                }
                String t = text.substring(0, docBytes);
                heldout.add(new Document(
                        "bench-" + d + "-" + i,
                        "domain" + d,
                        t,
                        "bytes",
                        t.chars().map(c -> c & 0xff).toArray(),
                        "bench",
                        Instant.now()));
            }
        }

        // 1. Held-out tokens scored per second, in process, the service's own scorer.
        Path first = store.resolve("bench").resolve(CheckpointStore.stepDirectory(0));
        CheckpointInfo info;
        try (LanguageModel model = LanguageModel.create(GptConfig.small1M(), 1)) {
            info = model.save(first, Map.of());
        }
        HeldoutSet set = new HeldoutSet(docs);
        heldout.forEach(set::add);
        HeldoutSet.Snapshot snapshot = set.snapshot();
        List<Double> rates = new ArrayList<>();
        try (LanguageModel model = LanguageModel.load(first, info.manifestSha256(), ai.djl.Device.cpu())) {
            snapshot.scoredBy(model); // warm-up
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                long tokens = snapshot.scoredBy(model).values().stream()
                        .mapToLong(s -> s.tokens())
                        .sum();
                double rate = tokens / ((System.nanoTime() - t0) / 1e9);
                rates.add(rate);
                System.out.printf("RESULT kind=scoring round=%d tokens=%d tokens_per_s=%.0f%n", r, tokens, rate);
            }
        }
        Collections.sort(rates);
        double medianRate = rates.get(rates.size() / 2);

        // 2. Checkpoint event -> report through a real broker and the packaged service.
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"), 0)) {
            kafka.createTopics(Topics.ALL);
            int port = EmbeddedKafka.freePort();
            var env = Map.of(
                    "KAFKA_BOOTSTRAP_SERVERS",
                    kafka.bootstrapServers(),
                    "CPT_STORE_ROOT",
                    store.toString(),
                    "QUARKUS_HTTP_PORT",
                    Integer.toString(port),
                    "CPT_EVAL_HELDOUT_DOCUMENTS_PER_DOMAIN",
                    Integer.toString(docs));
            ProcessBuilder pb = new ProcessBuilder("java", "-Xmx768m", "-jar", serviceJar.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(work.resolve("eval-service.log").toFile())
                    .directory(work.toFile());
            pb.environment().putAll(env);
            Process eval = pb.start();
            Runtime.getRuntime().addShutdownHook(new Thread(eval::destroy));
            try {
                awaitReady(port, eval);
                try (var producer = producer(kafka.bootstrapServers());
                        var consumer = consumer(kafka.bootstrapServers())) {
                    for (Document d : heldout) {
                        producer.send(new ProducerRecord<>(Document.HELDOUT_TOPIC, d.domain(), Json.write(d)));
                    }
                    producer.flush();
                    List<Double> seconds = new ArrayList<>();
                    try (LanguageModel model = LanguageModel.create(GptConfig.small1M(), 1)) {
                        for (int c = 0; c < checkpoints; c++) {
                            long step = 10L * c;
                            Path dir = store.resolve("bench").resolve(CheckpointStore.stepDirectory(step + 1));
                            CheckpointInfo ck = model.save(dir, Map.of());
                            var event = new CheckpointEvent(
                                    "bench",
                                    step + 1,
                                    dir.toUri().toString(),
                                    ck.manifestSha256(),
                                    1000L * c,
                                    c == 0 ? Map.of() : Map.of("domain0", 1000L * c),
                                    List.of(),
                                    Instant.now());
                            producer.send(new ProducerRecord<>(CheckpointEvent.TOPIC, "bench", Json.write(event)));
                            producer.flush();
                            EvalReport report = awaitReport(consumer, event.step());
                            double s =
                                    Duration.between(event.at(), Instant.now()).toNanos() / 1e9;
                            seconds.add(s);
                            long tokens = report.domains().values().stream()
                                    .mapToLong(x -> x.tokens())
                                    .sum();
                            System.out.printf(
                                    "RESULT kind=event_to_report checkpoint=%d seconds=%.3f tokens=%d error=%s%n",
                                    c, s, tokens, report.error());
                        }
                    }
                    List<Double> steady = new ArrayList<>(seconds.subList(Math.min(1, seconds.size()), seconds.size()));
                    Collections.sort(steady);
                    System.out.printf(
                            "%nHeld-out tokens scored per second (small1M, %d domains x %d docs x %d bytes, median of %d): %.0f%n",
                            domains, docs, docBytes, rounds, medianRate);
                    System.out.printf(
                            "Checkpoint event -> eval report (packaged eval-service, embedded broker): first %.2f s "
                                    + "(cold JVM and libtorch), then median %.2f s over %d%n",
                            seconds.get(0),
                            steady.isEmpty() ? Double.NaN : steady.get(steady.size() / 2),
                            steady.size());
                }
            } finally {
                eval.destroy();
                eval.waitFor();
            }
        }
    }

    private static EvalReport awaitReport(KafkaConsumer<String, String> consumer, long step) {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(20))) {
                EvalReport report = Json.read(r.value(), EvalReport.class);
                if (report.step() == step) {
                    return report;
                }
            }
        }
        throw new IllegalStateException("no report for step " + step);
    }

    private static void awaitReady(int port, Process eval) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            if (!eval.isAlive()) {
                throw new IllegalStateException("eval-service exited with " + eval.exitValue());
            }
            try {
                var r = http.send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/q/health/ready"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("eval-service not ready within 2 minutes");
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    private static KafkaConsumer<String, String> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        var consumer = new KafkaConsumer<String, String>(p);
        consumer.subscribe(List.of(EvalReport.TOPIC));
        return consumer;
    }
}

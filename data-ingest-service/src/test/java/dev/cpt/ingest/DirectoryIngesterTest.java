package dev.cpt.ingest;

import static dev.cpt.contracts.metrics.Metrics.INGEST_FILES;
import static dev.cpt.contracts.metrics.Metrics.INGEST_RECEIVED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.Document;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import dev.cpt.ingest.bench.CorpusGenerator;
import dev.cpt.kafka.EmbeddedKafka;
import dev.cpt.kafka.clients.KafkaClients;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.testkit.EmbeddedKafkaResource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watched directory against the real broker: the service "dies" in the middle of a chunk (part of the chunk is
 * on the broker, the ledger and dedup state do not know it yet), restarts from its state directory, and in the end
 * every document of every file is stored exactly once.
 */
class DirectoryIngesterTest {
    private static final int CHUNK = 25;

    @TempDir
    Path inbox;

    @TempDir
    Path state;

    private final EmbeddedKafka broker = EmbeddedKafkaResource.broker();
    private final String domain = "restart-" + Long.toHexString(System.nanoTime());
    private final CorpusGenerator corpus = new CorpusGenerator(42);

    /** Thrown from the sink like a process death: nothing after it runs, no ledger or dedup update. */
    static final class Crash extends Error {
        Crash() {
            super("simulated crash", null, false, false);
        }
    }

    @Test
    void aRestartInTheMiddleOfTheDirectoryLosesAndRepeatsNothing() throws Exception {
        Set<String> expected = new HashSet<>();
        List<String> a = lines("a", 120, expected);
        a.add(60, Json.write(new RawDocument("a-copy", null, textOf(a.get(5)), null))); // a duplicate of line 5
        Files.createDirectories(inbox.resolve(domain));
        Files.write(inbox.resolve(domain).resolve("a.jsonl"), a);
        try (OutputStream gz =
                new GZIPOutputStream(Files.newOutputStream(inbox.resolve(domain).resolve("b.jsonl.gz")))) {
            gz.write(String.join("\n", lines("b", 80, expected)).getBytes(StandardCharsets.UTF_8));
        }
        Files.writeString(inbox.resolve(domain).resolve("c.txt"), corpus.document(1500));
        Files.writeString(inbox.resolve(domain).resolve(".hidden.jsonl"), "ignored");
        Files.writeString(inbox.resolve(domain).resolve("notes.pdf"), "ignored");
        int textDocuments = 1;

        // first life: dies after 60 documents, in the third chunk of a.jsonl
        assertThrows(Crash.class, () -> run(60));
        // second life: resumes a.jsonl, dies again after 70 more, inside b.jsonl.gz
        assertThrows(Crash.class, () -> run(70));
        // third life: resumes b.jsonl.gz (a.jsonl was finished in the second) and finishes b and c
        SimpleMeterRegistry registry = run(Integer.MAX_VALUE);
        assertEquals(
                1.0,
                registry.get(INGEST_FILES.name())
                        .tag("outcome", "resumed")
                        .counter()
                        .count());
        assertEquals(
                2.0,
                registry.get(INGEST_FILES.name())
                        .tag("outcome", "done")
                        .counter()
                        .count());

        List<String> stored = new ArrayList<>();
        for (var r : TopicScan.all(broker.bootstrapServers(), Document.TOPIC, Document.HELDOUT_TOPIC)) {
            Document d = Json.read(r.value(), Document.class);
            if (d.domain().equals(domain)) {
                stored.add(d.id());
            }
        }
        Set<String> distinct = new HashSet<>(stored);
        assertEquals(stored.size(), distinct.size(), "a document was stored twice");
        assertEquals(expected.size() + textDocuments, stored.size());
        assertTrue(distinct.containsAll(expected), "a document was lost");
        assertTrue(!distinct.contains("a-copy"), "the duplicate line was stored");

        // a fourth life finds nothing left to do
        assertEquals(0, run(0).find(INGEST_RECEIVED.name()).counters().size());
    }

    /** One life of the service: state from disk, a sink that crashes after {@code crashAfter} documents. */
    private SimpleMeterRegistry run(int crashAfter) throws IOException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        IngestMetrics metrics = new IngestMetrics(registry);
        Validator validator = new Validator(1, 1 << 20);
        try (Deduplicator dedup = new Deduplicator(
                        new Deduplicator.Settings(true, true, 10_000, 10_000),
                        MinHasher.forThreshold(0.8, 5, 128),
                        state.resolve("dedup"));
                ProducerSink producer = new ProducerSink(broker.bootstrapServers(), Map.of());
                KafkaPublishedLog log = new KafkaPublishedLog(
                        KafkaClients.of(Map.of("bootstrap.servers", broker.bootstrapServers()), "ingest-test"))) {
            Ingester.Sink sink = crashing(producer, crashAfter);
            DocumentPipeline pipeline = new DocumentPipeline(
                    validator,
                    new TextNormalizer(),
                    new DomainRules("general", List.of()),
                    dedup,
                    new QualityScorer(),
                    0.5,
                    10,
                    ByteTokenizer.INSTANCE,
                    Clock.systemUTC());
            Ingester ingester = new Ingester(pipeline, dedup, sink, metrics, Duration.ofSeconds(60));
            DirectoryIngester watcher = new DirectoryIngester(
                    inbox,
                    new FileLedger(state.resolve("files")),
                    ingester,
                    sink,
                    log,
                    metrics,
                    validator,
                    CHUNK,
                    Duration.ZERO,
                    Clock.systemUTC());
            while (watcher.scanOnce() > 0) {
                // until a pass finishes nothing new
            }
        }
        return registry;
    }

    private static Ingester.Sink crashing(Ingester.Sink delegate, int crashAfter) {
        AtomicInteger sent = new AtomicInteger();
        return new Ingester.Sink() {
            @Override
            public CompletableFuture<?> publish(Document document, Split split) {
                if (sent.incrementAndGet() > crashAfter) {
                    throw new Crash();
                }
                return delegate.publish(document, split);
            }

            @Override
            public CompletableFuture<?> deadLetter(byte[] original, String reason, Origin origin) {
                return delegate.deadLetter(original, reason, origin);
            }
        };
    }

    private List<String> lines(String prefix, int n, Set<String> ids) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = prefix + "-" + i;
            ids.add(id);
            out.add(Json.write(new RawDocument(id, null, corpus.document(600), null)));
        }
        return out;
    }

    private static String textOf(String jsonLine) {
        return Json.read(jsonLine, RawDocument.class).text();
    }
}

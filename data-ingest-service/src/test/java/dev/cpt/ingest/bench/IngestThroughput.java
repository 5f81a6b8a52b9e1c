package dev.cpt.ingest.bench;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import dev.cpt.contracts.Topics;
import dev.cpt.ingest.Deduplicator;
import dev.cpt.ingest.DocumentPipeline;
import dev.cpt.ingest.DomainRules;
import dev.cpt.ingest.IngestMetrics;
import dev.cpt.ingest.Ingester;
import dev.cpt.ingest.MinHasher;
import dev.cpt.ingest.Origin;
import dev.cpt.ingest.Outcome;
import dev.cpt.ingest.ProducerSink;
import dev.cpt.ingest.QualityScorer;
import dev.cpt.ingest.TextNormalizer;
import dev.cpt.ingest.Validator;
import dev.cpt.kafka.EmbeddedKafka;
import dev.cpt.model.tokenizer.ByteTokenizer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Documents/s, tokens/s and MB/s of text through the whole ingest path into a real broker: validation, normalisation,
 * exact and near dedup (on), quality, split, byte tokenization, JSON, and publication with acks=all to the embedded
 * KRaft broker, the acknowledgements awaited chunk by chunk as the service does. The corpus is generated: varied
 * prose in four domains, 3 % exact copies (re-spaced), 3 % near copies, a few broken lines.
 *
 * <p>Usage: {@code IngestThroughput [megabytes=64] [threads=2] [chunk=500]}. Threads are concurrent uploads (each
 * takes whole chunks, as concurrent HTTP requests or the inbox and a request do).
 */
public final class IngestThroughput {
    public static void main(String[] args) throws Exception {
        int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int chunk = args.length > 2 ? Integer.parseInt(args[2]) : 500;

        System.out.printf("generating %d MB of JSONL...%n", megabytes);
        Corpus corpus = Corpus.generate(megabytes * 1024L * 1024L, 11);
        System.out.printf("corpus: %,d documents, %,d bytes of text (%,d bytes of JSONL); %d exact copies, %d near copies, %d broken%n",
                corpus.lines.size(), corpus.textBytes, corpus.jsonBytes, corpus.exactCopies, corpus.nearCopies, corpus.broken);

        Path dir = Files.createTempDirectory("cpt-bench-kafka");
        EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0);
        try {
            kafka.createTopics(Topics.ALL);
            run(kafka, corpus, threads, chunk);
        } finally {
            kafka.stop();
        }
    }

    private static void run(EmbeddedKafka kafka, Corpus corpus, int threads, int chunk) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        IngestMetrics metrics = new IngestMetrics(registry);
        Validator validator = new Validator(1, 1 << 20);
        try (Deduplicator dedup = new Deduplicator(new Deduplicator.Settings(true, true, 1_000_000, 200_000),
                        MinHasher.forThreshold(0.8, 5, 128), Files.createTempDirectory("cpt-bench-state"));
                ProducerSink producer = new ProducerSink(kafka.bootstrapServers(), producerOverrides())) {
            Ingester.Sink sink = sinkFor(producer);
            DocumentPipeline pipeline = new DocumentPipeline(validator, new TextNormalizer(),
                    new DomainRules("general", List.of()), dedup, new QualityScorer(), 0.5, 10, ByteTokenizer.INSTANCE,
                    Clock.systemUTC());
            Ingester ingester = new Ingester(pipeline, dedup, sink, metrics, Duration.ofSeconds(120));

            // warm-up: the JIT, the producer's metadata and connections (these documents are not counted)
            ingester.ingest(corpus.warmup, true);

            ConcurrentLinkedQueue<List<Ingester.Item>> chunks = new ConcurrentLinkedQueue<>();
            for (int i = 0; i < corpus.lines.size(); i += chunk) {
                chunks.add(corpus.lines.subList(i, Math.min(corpus.lines.size(), i + chunk)));
            }
            AtomicLong accepted = new AtomicLong();
            AtomicLong tokens = new AtomicLong();
            AtomicLong duplicates = new AtomicLong();
            AtomicLong rejected = new AtomicLong();
            long start = System.nanoTime();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread w = new Thread(() -> {
                    List<Ingester.Item> next;
                    while ((next = chunks.poll()) != null) {
                        for (Outcome o : ingester.ingest(next, true)) {
                            if (o instanceof Outcome.Accepted a) {
                                accepted.incrementAndGet();
                                tokens.addAndGet(a.document().tokens().length);
                            } else if (o instanceof Outcome.Duplicate) {
                                duplicates.incrementAndGet();
                            } else {
                                rejected.incrementAndGet();
                            }
                        }
                    }
                }, "ingest-" + t);
                workers.add(w);
                w.start();
            }
            for (Thread w : workers) {
                w.join();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            int documents = corpus.lines.size();
            System.out.printf("%n%d thread(s), chunks of %d, dedup exact+near on, acks=all, broker %s%n", threads, chunk,
                    kafka.bootstrapServers());
            System.out.printf("documents in: %,d   published: %,d   duplicates: %,d   rejected: %,d   in %.2f s%n",
                    documents, accepted.get(), duplicates.get(), rejected.get(), seconds);
            System.out.printf("THROUGHPUT: %.1f MB/s of text (%.1f MB/s of JSONL), %,.0f documents/s, %,.0f tokens/s%n",
                    corpus.textBytes / 1e6 / seconds, corpus.jsonBytes / 1e6 / seconds, documents / seconds,
                    tokens.get() / seconds);
            System.out.printf("duplicates by kind: exact %.0f, near %.0f%n", count(registry, "exact"), count(registry, "near"));
        }
    }

    /** -Dbench.compression=lz4|zstd|none, for comparing producer settings. */
    private static Map<String, Object> producerOverrides() {
        String compression = System.getProperty("bench.compression");
        return compression == null ? Map.of() : Map.of("compression.type", compression);
    }

    /** -Dbench.sink=serialize: everything but the broker (JSON only), to see where the time goes. */
    private static Ingester.Sink sinkFor(ProducerSink producer) {
        if (!"serialize".equals(System.getProperty("bench.sink"))) {
            return producer;
        }
        return new Ingester.Sink() {
            final dev.cpt.ingest.DocumentSerializer json = new dev.cpt.ingest.DocumentSerializer();

            @Override
            public java.util.concurrent.CompletableFuture<?> publish(dev.cpt.contracts.Document d, dev.cpt.ingest.Split s) {
                json.serialize("t", d);
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }

            @Override
            public java.util.concurrent.CompletableFuture<?> deadLetter(byte[] original, String reason, Origin origin) {
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }
        };
    }

    private static double count(SimpleMeterRegistry registry, String kind) {
        return registry.find("cpt.ingest.duplicates").tag("kind", kind).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /** The benchmark's input: JSONL lines as the HTTP endpoint or a watched file would hand them in. */
    static final class Corpus {
        final List<Ingester.Item> lines = new ArrayList<>();
        final List<Ingester.Item> warmup = new ArrayList<>();
        long textBytes;
        long jsonBytes;
        int exactCopies;
        int nearCopies;
        int broken;

        static Corpus generate(long targetTextBytes, long seed) {
            String[] domains = {"history", "law", "science", "travel"};
            CorpusGenerator prose = new CorpusGenerator(seed);
            Random random = new Random(seed);
            Corpus c = new Corpus();
            List<String> recent = new ArrayList<>();
            for (int i = 0; i < 5000; i++) {
                c.warmup.add(Ingester.Item.json(Origin.http(), Json.write(new RawDocument("warm-" + i, "warmup",
                        prose.document(500 + random.nextInt(4000)), null)).getBytes(StandardCharsets.UTF_8)));
            }
            int n = 0;
            while (c.textBytes < targetTextBytes) {
                String domain = domains[random.nextInt(domains.length)];
                int roll = random.nextInt(100);
                String text;
                if (roll < 3 && !recent.isEmpty()) {
                    text = "  " + recent.get(random.nextInt(recent.size())).replace(". ", ".  ") + "\n"; // exact after normalisation
                    c.exactCopies++;
                } else if (roll < 6 && !recent.isEmpty()) {
                    text = prose.nearCopy(recent.get(random.nextInt(recent.size())), 0.005);
                    c.nearCopies++;
                } else {
                    // mostly 1-8 KB, some long articles
                    int size = random.nextInt(20) == 0 ? 20_000 + random.nextInt(60_000) : 500 + random.nextInt(7_500);
                    text = prose.document(size);
                    if (recent.size() < 5000) {
                        recent.add(text);
                    } else {
                        recent.set(random.nextInt(recent.size()), text);
                    }
                }
                byte[] line;
                if (random.nextInt(1000) == 0) {
                    line = ("{\"id\": \"broken-" + n + "\", \"text\": \"caf\u00e9 ").getBytes(StandardCharsets.ISO_8859_1);
                    c.broken++;
                } else {
                    line = Json.write(new RawDocument("doc-" + n, domain, text, "bench")).getBytes(StandardCharsets.UTF_8);
                }
                c.lines.add(Ingester.Item.json(Origin.http(), line));
                c.textBytes += text.getBytes(StandardCharsets.UTF_8).length;
                c.jsonBytes += line.length + 1;
                n++;
            }
            return c;
        }
    }
}

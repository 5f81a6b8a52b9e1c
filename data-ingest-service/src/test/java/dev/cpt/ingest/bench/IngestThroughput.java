package dev.cpt.ingest.bench;

import static dev.cpt.contracts.metrics.Metrics.INGEST_DUPLICATES;

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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Documents/s, tokens/s and MB/s of text through the whole ingest path into a real broker: validation, normalisation,
 * exact and near dedup (on), quality, split, byte tokenization, JSON, and publication with acks=all to the embedded
 * KRaft broker, the acknowledgements awaited chunk by chunk as the service does. The corpus is generated: varied
 * prose in four domains, 3 % exact copies (re-spaced), 3 % near copies, a few broken lines.
 *
 * <p>Usage: {@code IngestThroughput [megabytes=64] [threads=2] [chunk=500]}. Threads are concurrent uploads (each
 * takes whole chunks, as concurrent HTTP requests or the inbox and a request do). It prints wall-clock MB/s and,
 * since the machine may be shared, the CPU seconds per MB of text of the ingest JVM (by thread kind) and of the
 * broker: on n quiet cores the path can do at most n / (core-s per MB) MB/s. Properties:
 * {@code -Dbench.warmup-passes=3} (uncounted passes over a separate 16 MB warm-up corpus), {@code -Dbench.compression=}
 * (producer compression), {@code -Dbench.sink=serialize} (no broker), {@code -Dbench.encodings=numbers,packed} (the
 * document encodings to measure one after the other in this run, each with its own warm-up and dedup state: version
 * 1's number arrays and version 2's packed ids, ingest's {@code cpt.tokens.encoding}; {@code packed:lz4} gives one run
 * a compression codec of its own); a summary compares them.
 */
public final class IngestThroughput {
    private static final long WARMUP_BYTES = 16L * 1024 * 1024;

    public static void main(String[] args) throws Exception {
        // The service logs at INFO; unconfigured, the logging here would format the Kafka clients' trace messages.
        org.jboss.logmanager.LogContext.getSystemLogContext().getLogger("").setLevel(java.util.logging.Level.INFO);
        int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int chunk = args.length > 2 ? Integer.parseInt(args[2]) : 500;

        System.out.printf("generating %d MB of JSONL...%n", megabytes);
        Corpus corpus = Corpus.generate(megabytes * 1024L * 1024L, 11);
        corpus.warmup = Corpus.generate(WARMUP_BYTES, 12).lines;
        System.out.printf(
                "corpus: %,d documents, %,d bytes of text (%,d bytes of JSONL); %d exact copies, %d near copies, %d broken%n",
                corpus.lines.size(),
                corpus.textBytes,
                corpus.jsonBytes,
                corpus.exactCopies,
                corpus.nearCopies,
                corpus.broken);

        Path dir = Files.createTempDirectory("cpt-bench-kafka");
        EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0);
        try {
            kafka.createTopics(Topics.ALL);
            List<String> summary = new ArrayList<>();
            for (String run :
                    System.getProperty("bench.encodings", "numbers,packed").split(",")) {
                String[] encodingAndCodec = run.split(":");
                String codec = encodingAndCodec.length > 1
                        ? encodingAndCodec[1]
                        : System.getProperty("bench.compression", "lz4"); // the service's
                summary.add(run(kafka, corpus, threads, chunk, encodingAndCodec[0], codec));
            }
            System.out.printf("%nSUMMARY by document encoding (run order), core-s per MB of text:%n");
            summary.forEach(line -> System.out.println("  " + line));
        } finally {
            kafka.stop();
        }
    }

    private static String run(EmbeddedKafka kafka, Corpus corpus, int threads, int chunk, String encoding, String codec)
            throws Exception {
        System.out.printf("%n=== document encoding %s, compression %s ===%n", encoding, codec);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Validator validator = new Validator(1, 1 << 20);
        try (ProducerSink producer = new ProducerSink(kafka.bootstrapServers(), producerOverrides(encoding, codec))) {
            Ingester.Sink sink = sinkFor(producer, encoding);

            // Warm-up: the JIT (of this JVM and the broker's), the producer's metadata and connections. Each pass
            // runs exactly as the measured one (same threads, chunks, journal) with dedup state of its own, so the
            // whole path is compiled before the clock starts; none of it is counted.
            int passes = Integer.getInteger("bench.warmup-passes", 3);
            for (int pass = 0; pass < passes; pass++) {
                try (Deduplicator scratch = dedup(Files.createTempDirectory("cpt-bench-warmup"))) {
                    ingestAll(
                                    ingester(validator, scratch, sink, new IngestMetrics(new SimpleMeterRegistry())),
                                    corpus.warmup,
                                    threads,
                                    chunk,
                                    new Tally())
                            .apply(CpuClock.start());
                }
            }

            try (Deduplicator dedup = dedup(Files.createTempDirectory("cpt-bench-state"))) {
                Ingester ingester = ingester(validator, dedup, sink, new IngestMetrics(registry));
                Tally tally = new Tally();
                System.out.printf(
                        "warmed up (%d passes); measuring at %d ms of JVM uptime%n",
                        passes,
                        java.lang.management.ManagementFactory.getRuntimeMXBean()
                                .getUptime());
                long logBefore = documentLogBytes(kafka);
                // the garbage of the warm-up and of an earlier encoding's run is not this run's to collect
                System.gc();
                CpuClock cpu = CpuClock.start();
                long start = System.nanoTime();
                CpuClock.Used used =
                        ingestAll(ingester, corpus.lines, threads, chunk, tally).apply(cpu);
                double seconds = (System.nanoTime() - start) / 1e9;
                double logPerText = "serialize".equals(System.getProperty("bench.sink"))
                        ? Double.NaN
                        : (documentLogBytes(kafka) - logBefore) / (double) corpus.textBytes;
                report(kafka, corpus, threads, chunk, codec, registry, tally, seconds, used);
                System.out.printf("broker log bytes of the published documents per byte of text: %.3f%n", logPerText);
                double textMb = corpus.textBytes / 1e6;
                return String.format(
                        "%-8s %-6s total %.4f (ingest %.4f + broker %.4f), %.1f MB/s wall, %.3f log bytes per text byte",
                        encoding,
                        codec,
                        used.totalSeconds() / textMb,
                        used.ingestSeconds() / textMb,
                        used.brokerSeconds() / textMb,
                        textMb / seconds,
                        logPerText);
            }
        }
    }

    /** Bytes the broker's log holds for the two document topics, training and held-out. */
    private static long documentLogBytes(EmbeddedKafka kafka) {
        return kafka.logBytes(dev.cpt.contracts.Document.TOPIC)
                + kafka.logBytes(dev.cpt.contracts.Document.HELDOUT_TOPIC);
    }

    private static Deduplicator dedup(Path stateDir) {
        return new Deduplicator(
                new Deduplicator.Settings(true, true, 1_000_000, 200_000),
                MinHasher.forThreshold(0.8, 5, 128),
                stateDir);
    }

    private static Ingester ingester(
            Validator validator, Deduplicator dedup, Ingester.Sink sink, IngestMetrics metrics) {
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
        return new Ingester(pipeline, dedup, sink, metrics, Duration.ofSeconds(120));
    }

    /** What became of the measured documents. */
    private static final class Tally {
        final AtomicLong accepted = new AtomicLong();
        final AtomicLong tokens = new AtomicLong();
        final AtomicLong duplicates = new AtomicLong();
        final AtomicLong rejected = new AtomicLong();

        void add(Outcome o) {
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

    /**
     * Ingests the lines chunk by chunk on {@code threads} threads and waits for them; the returned function reads
     * the CPU clock while the threads are still alive (so their time is attributed to them), then lets them end.
     */
    private static java.util.function.Function<CpuClock, CpuClock.Used> ingestAll(
            Ingester ingester, List<Ingester.Item> lines, int threads, int chunk, Tally tally)
            throws InterruptedException {
        ConcurrentLinkedQueue<List<Ingester.Item>> chunks = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < lines.size(); i += chunk) {
            chunks.add(lines.subList(i, Math.min(lines.size(), i + chunk)));
        }
        CountDownLatch done = new CountDownLatch(threads);
        CountDownLatch measured = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(
                    () -> {
                        List<Ingester.Item> next;
                        while ((next = chunks.poll()) != null) {
                            ingester.ingest(next, true).forEach(tally::add);
                        }
                        done.countDown();
                        awaitQuietly(measured);
                    },
                    "ingest-" + t);
            workers.add(w);
            w.start();
        }
        done.await();
        return cpu -> {
            CpuClock.Used used = cpu.stop();
            measured.countDown();
            for (Thread w : workers) {
                try {
                    w.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return used;
        };
    }

    private static void report(
            EmbeddedKafka kafka,
            Corpus corpus,
            int threads,
            int chunk,
            String codec,
            SimpleMeterRegistry registry,
            Tally tally,
            double seconds,
            CpuClock.Used used) {
        int documents = corpus.lines.size();
        double textMb = corpus.textBytes / 1e6;
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(
                "%n%d thread(s), chunks of %d, dedup exact+near on, acks=all, compression %s, broker %s, %d cores%n",
                threads, chunk, codec, kafka.bootstrapServers(), cores);
        System.out.printf(
                "documents in: %,d   published: %,d   duplicates: %,d   rejected: %,d   in %.2f s%n",
                documents, tally.accepted.get(), tally.duplicates.get(), tally.rejected.get(), seconds);
        System.out.printf(
                "duplicates by kind: exact %.0f, near %.0f%n", count(registry, "exact"), count(registry, "near"));
        System.out.println("CPU seconds by thread kind (ingest JVM):");
        used.byThreadKind()
                .forEach((kind, s) -> System.out.printf("  %-20s %6.2f s  %.4f core-s/MB%n", kind, s, s / textMb));
        System.out.printf(
                "  %-20s %6.2f s  %.4f core-s/MB%n",
                "broker (child JVM)", used.brokerSeconds(), used.brokerSeconds() / textMb);
        System.out.printf(
                "load average (1 min) at the end: %.2f%n",
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                        .getSystemLoadAverage());
        System.out.printf(
                "THROUGHPUT: %.1f MB/s of text wall (%.1f MB/s of JSONL), %,.0f documents/s, %,.0f tokens/s%n",
                textMb / seconds, corpus.jsonBytes / 1e6 / seconds, documents / seconds, tally.tokens.get() / seconds);
        System.out.printf(
                "CPU: %.4f core-s/MB of text (ingest %.4f + broker %.4f): at most %.1f MB/s on %d quiet cores%n",
                used.totalSeconds() / textMb,
                used.ingestSeconds() / textMb,
                used.brokerSeconds() / textMb,
                cores * textMb / used.totalSeconds(),
                cores);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** -Dbench.compression=lz4|zstd|none (default lz4, as the service), or a run's own codec. */
    private static Map<String, Object> producerOverrides(String encoding, String codec) {
        return Map.of(dev.cpt.ingest.DocumentSerializer.ENCODING_CONFIG, encoding, "compression.type", codec);
    }

    /** -Dbench.sink=serialize: everything but the broker (JSON only), to see where the time goes. */
    private static Ingester.Sink sinkFor(ProducerSink producer, String encoding) {
        if (!"serialize".equals(System.getProperty("bench.sink"))) {
            return producer;
        }
        dev.cpt.ingest.DocumentSerializer serializer = new dev.cpt.ingest.DocumentSerializer();
        serializer.configure(Map.of(dev.cpt.ingest.DocumentSerializer.ENCODING_CONFIG, encoding), false);
        return new Ingester.Sink() {
            final dev.cpt.ingest.DocumentSerializer json = serializer;

            @Override
            public java.util.concurrent.CompletableFuture<?> publish(
                    dev.cpt.contracts.Document d, dev.cpt.ingest.Split s) {
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
        return registry.find(INGEST_DUPLICATES.name()).tag("kind", kind).counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }

    /** The benchmark's input: JSONL lines as the HTTP endpoint or a watched file would hand them in. */
    static final class Corpus {
        final List<Ingester.Item> lines = new ArrayList<>();
        /** A smaller corpus of the same mix (copies, near copies, broken lines), so the JIT has seen every path. */
        List<Ingester.Item> warmup = List.of();

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
            int n = 0;
            while (c.textBytes < targetTextBytes) {
                String domain = domains[random.nextInt(domains.length)];
                int roll = random.nextInt(100);
                String text;
                if (roll < 3 && !recent.isEmpty()) {
                    text = "  " + recent.get(random.nextInt(recent.size())).replace(". ", ".  ")
                            + "\n"; // exact after normalisation
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
                    line = ("{\"id\": \"broken-" + n + "\", \"text\": \"caf\u00e9 ")
                            .getBytes(StandardCharsets.ISO_8859_1);
                    c.broken++;
                } else {
                    line = Json.write(new RawDocument("doc-" + n, domain, text, "bench"))
                            .getBytes(StandardCharsets.UTF_8);
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

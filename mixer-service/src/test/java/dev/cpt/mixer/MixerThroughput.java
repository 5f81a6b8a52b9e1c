package dev.cpt.mixer;

import static dev.cpt.contracts.metrics.Metrics.MIXER_ROUNDS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_TOKENS;

import com.sun.management.OperatingSystemMXBean;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.JsonSerializer;
import dev.cpt.contracts.MixtureWeights;
import dev.cpt.contracts.Topics;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.kafka.EmbeddedKafka;
import dev.cpt.kafka.clients.KafkaClients;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Tokens/s from {@code cpt.documents} into packed batches committed on {@code cpt.batches}, through the mixer service's
 * own classes, on a real embedded KRaft broker on this machine.
 *
 * <p>Timed: a {@link KafkaConsumer} configured as the service's channel (group {@code mixer}, from the earliest offset)
 * polling the pre-filled topic (fetch, lz4 decompression, UTF-8 decoding); each record handed as a {@link Message} to
 * {@link DocumentMixer#onDocument} (Document JSON parsing, packed-id decoding, metrics) and so to {@link MixingRounds}
 * (the redelivery check, buffers, cutting rounds, the completed-documents file, the replay reservoir, the ledger, and
 * {@link RoundPublisher}'s transactional lz4 producer committing every round's batches and weights). Not timed, not
 * run: SmallRye's Kafka connector (its polling thread, the hand-over to a worker thread, the throttled offset commits:
 * the benchmark commits no offsets) and the rest of Quarkus; writing the documents (pre-filled before the clock starts).
 *
 * <p>Usage: {@code MixerThroughput [million-tokens=32]}; the mixer's settings as the service reads them, e.g.
 * {@code -Dcpt.mixer.context-length=1024} (the benchmark's defaults: {@link #SHAPE}, replay on, uniform policy);
 * {@code -Dbench.warmup-tokens=8000000} (uncounted, through the same path first); {@code -Dbench.seed=7}.
 */
public final class MixerThroughput {
    /** A round of 4 batches of 16 sequences of 1024 + 1 tokens: 65,600 tokens, a GPU trainer's batch of batches. */
    private static final Map<String, String> SHAPE = Map.of(
            "cpt.mixer.context-length", "1024",
            "cpt.mixer.batch-size", "16",
            "cpt.mixer.batches-per-round", "4");

    public static void main(String[] args) throws Exception {
        org.jboss.logmanager.LogContext.getSystemLogContext().getLogger("").setLevel(java.util.logging.Level.WARNING);
        long tokens = (args.length > 0 ? Long.parseLong(args[0]) : 32) * 1_000_000;
        long warmupTokens = Long.getLong("bench.warmup-tokens", 8_000_000);
        Path work = Files.createTempDirectory("cpt-bench-mixer");
        EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"), 0);
        try {
            kafka.createTopics(Topics.ALL);
            KafkaClients clients = KafkaClients.of(Map.of("bootstrap.servers", kafka.bootstrapServers()), "bench");
            MixerConfig config = config(work.resolve("mixer-state"));
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            MixerMetrics metrics = new MixerMetrics(registry);
            RunTokenizer tokenizer = new RunTokenizer(SyntheticDocuments.TOKENIZER, RunTokenizer.NONE);
            MixingRounds rounds = new MixingRounds(config, metrics, clients, tokenizer);
            DocumentMixer mixer = new DocumentMixer(rounds, metrics, tokenizer);
            SyntheticDocuments corpus = new SyntheticDocuments(Long.getLong("bench.seed", 7));
            try (KafkaConsumer<String, String> consumer = consumer(clients)) {
                Fill warmup = fill(kafka, corpus, warmupTokens);
                new Feed(consumer, mixer).take(warmup.documents());
                System.out.printf("warmed up on %,d tokens (%,d documents)%n", warmup.tokens(), warmup.documents());

                long documentLog = kafka.logBytes(Document.TOPIC);
                Fill measured = fill(kafka, corpus, tokens);
                documentLog = kafka.logBytes(Document.TOPIC) - documentLog;
                Counts before = Counts.of(registry, kafka);
                System.gc();
                Cpu cpu = Cpu.start();
                long start = System.nanoTime();
                Feed feed = new Feed(consumer, mixer);
                feed.take(measured.documents());
                double seconds = (System.nanoTime() - start) / 1e9;
                Cpu.Used used = cpu.stop();
                Counts done = Counts.of(registry, kafka).minus(before);
                report(config, measured, documentLog, feed, done, seconds, used);
            } finally {
                rounds.close();
            }
        } finally {
            kafka.stop();
        }
    }

    /** The service's mapping, read as the service reads it: the benchmark's shape, then -D properties over it. */
    private static MixerConfig config(Path stateDir) {
        Map<String, String> bench = new TreeMap<>(SHAPE);
        bench.put("cpt.mixer.state-dir", stateDir.toString());
        bench.put("cpt.mixer.transactional-id", "cpt-mixer-bench");
        return new SmallRyeConfigBuilder()
                .withMapping(MixerConfig.class)
                // Quarkus's reading of "5s", which plain SmallRye Config does not know
                .withConverter(Duration.class, 100, new io.quarkus.runtime.configuration.DurationConverter())
                .withSources(new PropertiesConfigSource(bench, "bench", 100))
                .addSystemSources()
                .build()
                .getConfigMapping(MixerConfig.class);
    }

    private static KafkaConsumer<String, String> consumer(KafkaClients clients) {
        KafkaConsumer<String, String> consumer = clients.consumer(
                "documents-in",
                new StringDeserializer(),
                new StringDeserializer(),
                Map.of(
                        ConsumerConfig.GROUP_ID_CONFIG, "mixer",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        consumer.subscribe(java.util.List.of(Document.TOPIC));
        return consumer;
    }

    /** What was written to {@code cpt.documents}. */
    private record Fill(long documents, long tokens, long textBytes) {}

    /** Writes documents until {@code tokens} tokens, as ingest's producer does: keyed by domain, lz4, acks=all. */
    private static Fill fill(EmbeddedKafka kafka, SyntheticDocuments corpus, long tokens) throws Exception {
        Map<String, Object> p = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.LINGER_MS_CONFIG,
                5,
                ProducerConfig.BATCH_SIZE_CONFIG,
                262_144,
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                "lz4",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                KafkaClients.MAX_MESSAGE_BYTES);
        long documents = 0;
        long written = 0;
        long text = 0;
        try (KafkaProducer<String, Object> producer =
                new KafkaProducer<>(p, new StringSerializer(), new JsonSerializer())) {
            while (written < tokens) {
                Document d = corpus.next();
                producer.send(new ProducerRecord<>(Document.TOPIC, d.domain(), d));
                documents++;
                written += d.tokens().length;
                text += d.text().length();
            }
            producer.flush();
        }
        return new Fill(documents, written, text);
    }

    /** Hands records to the mixer as SmallRye would, one at a time, until {@code count} have been handed over. */
    private static final class Feed {
        private final KafkaConsumer<String, String> consumer;
        private final DocumentMixer mixer;
        final AtomicLong acked = new AtomicLong();
        final AtomicLong nacked = new AtomicLong();
        long recordBytes;

        Feed(KafkaConsumer<String, String> consumer, DocumentMixer mixer) {
            this.consumer = consumer;
            this.mixer = mixer;
        }

        void take(long count) {
            for (long taken = 0; taken < count; ) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    recordBytes += r.serializedValueSize();
                    mixer.onDocument(Message.of(
                            r.value(),
                            () -> {
                                acked.incrementAndGet();
                                return CompletableFuture.completedFuture(null);
                            },
                            e -> {
                                nacked.incrementAndGet();
                                return CompletableFuture.completedFuture(null);
                            }));
                    taken++;
                }
            }
        }
    }

    /** Tokens and rounds the mixer committed, and the log bytes of the topics it writes. */
    private record Counts(double freshTokens, double replayTokens, double rounds, long batchLog, long mixtureLog) {
        static Counts of(SimpleMeterRegistry registry, EmbeddedKafka kafka) {
            return new Counts(
                    tokens(registry, "fresh"),
                    tokens(registry, "replay"),
                    registry.find(MIXER_ROUNDS.name()).counters().stream()
                            .mapToDouble(c -> c.count())
                            .sum(),
                    kafka.logBytes(TrainingBatch.TOPIC),
                    kafka.logBytes(MixtureWeights.TOPIC));
        }

        private static double tokens(SimpleMeterRegistry registry, String kind) {
            return registry.find(MIXER_TOKENS.name()).tag("kind", kind).counters().stream()
                    .mapToDouble(c -> c.count())
                    .sum();
        }

        Counts minus(Counts o) {
            return new Counts(
                    freshTokens - o.freshTokens,
                    replayTokens - o.replayTokens,
                    rounds - o.rounds,
                    batchLog - o.batchLog,
                    mixtureLog - o.mixtureLog);
        }
    }

    /**
     * CPU seconds of this JVM (split: the thread that polls and mixes, the producer's and consumer's I/O threads, the
     * rest: GC, JIT, others) and of the broker (this JVM's child process).
     */
    private record Cpu(long jvm, long broker, Map<String, Long> threads) {
        record Used(double jvm, double broker, Map<String, Double> threads) {}

        static Cpu start() {
            return new Cpu(jvmNanos(), brokerNanos(), threadNanos());
        }

        Used stop() {
            Map<String, Double> split = new TreeMap<>();
            threadNanos().forEach((kind, n) -> split.put(kind, (n - threads.getOrDefault(kind, 0L)) / 1e9));
            double jvmSeconds = (jvmNanos() - jvm) / 1e9;
            split.put(
                    "GC, JIT, other",
                    jvmSeconds - split.values().stream().mapToDouble(d -> d).sum());
            return new Used(jvmSeconds, (brokerNanos() - broker) / 1e9, split);
        }

        private static long jvmNanos() {
            return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        }

        private static long brokerNanos() {
            return ProcessHandle.current()
                    .children()
                    .mapToLong(c ->
                            c.info().totalCpuDuration().orElse(Duration.ZERO).toNanos())
                    .sum();
        }

        private static Map<String, Long> threadNanos() {
            ThreadMXBean bean = ManagementFactory.getThreadMXBean();
            Map<String, Long> m = new TreeMap<>();
            for (var info : bean.getThreadInfo(bean.getAllThreadIds())) {
                if (info != null) {
                    String name = info.getThreadName();
                    String kind = name.equals("main")
                            ? "main: poll, parse, mix, serialize"
                            : name.startsWith("kafka-producer") ? "producer I/O" : "consumer and other threads";
                    m.merge(kind, Math.max(0, bean.getThreadCpuTime(info.getThreadId())), Long::sum);
                }
            }
            return m;
        }
    }

    /**
     * The goal counts fresh tokens: those that came from records on {@code cpt.documents}. Replay tokens (drawn again
     * from the reservoir) also reach the trainer and are printed beside them.
     */
    private static void report(
            MixerConfig config, Fill in, long documentLog, Feed feed, Counts out, double seconds, Cpu.Used cpu) {
        double committed = out.freshTokens() + out.replayTokens();
        double millions = out.freshTokens() / 1e6;
        System.out.printf(
                "%nshape: context %d, %d sequences a batch, %d batches a round (%,d tokens); replay %s, policy %s;"
                        + " %d cores%n",
                config.contextLength(),
                config.batchSize(),
                config.batchesPerRound(),
                (config.contextLength() + 1) * config.batchSize() * config.batchesPerRound(),
                config.reservoir().enabled() ? "on" : "off",
                config.policy(),
                Runtime.getRuntime().availableProcessors());
        System.out.printf(
                "in: %,d documents, %,d tokens, %,d bytes of text (%.2f bytes a token), %,d bytes of record values;"
                        + " acknowledged %,d, refused %,d%n",
                in.documents(),
                in.tokens(),
                in.textBytes(),
                in.textBytes() / (double) in.tokens(),
                feed.recordBytes,
                feed.acked.get(),
                feed.nacked.get());
        System.out.printf(
                "out: %,.0f rounds committed, %,.0f tokens (%,.0f fresh, %,.0f replay) in %.2f s%n",
                out.rounds(), committed, out.freshTokens(), out.replayTokens(), seconds);
        System.out.printf(
                "broker log bytes: cpt.documents %.3f per document token; cpt.batches %.3f per batch token"
                        + " (cpt.mixture %.4f)%n",
                documentLog / (double) in.tokens(), out.batchLog() / committed, out.mixtureLog() / committed);
        System.out.println("CPU seconds per million fresh tokens:");
        cpu.threads().forEach((kind, s) -> System.out.printf("  %-36s %.3f%n", kind, s / millions));
        System.out.printf("  %-36s %.3f%n", "mixer JVM, all", cpu.jvm() / millions);
        System.out.printf("  %-36s %.3f%n", "broker (child JVM)", cpu.broker() / millions);
        System.out.printf(
                "load average (1 min) at the end: %.2f%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        double fresh = out.freshTokens() / seconds;
        System.out.printf(
                "THROUGHPUT: %,.0f fresh tokens/s from cpt.documents into committed batches (wall), %,.0f tokens/s"
                        + " in batches with replay, %,.0f documents/s, %.1f rounds/s%n",
                fresh, committed / seconds, in.documents() / seconds, out.rounds() / seconds);
        System.out.printf(
                "GOAL >= 1,000,000 fresh tokens/s: %s; CPU %.3f core-s per million fresh tokens (mixer + broker)%n",
                fresh >= 1_000_000 ? "met" : "MISSED", (cpu.jvm() + cpu.broker()) / millions);
    }
}

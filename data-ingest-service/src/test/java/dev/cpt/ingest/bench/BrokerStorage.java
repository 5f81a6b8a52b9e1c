package dev.cpt.ingest.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.RawDocument;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.contracts.Versioned;
import dev.cpt.ingest.Deduplicator;
import dev.cpt.ingest.DocumentPipeline;
import dev.cpt.ingest.DocumentSerializer;
import dev.cpt.ingest.DomainRules;
import dev.cpt.ingest.IngestMetrics;
import dev.cpt.ingest.Ingester;
import dev.cpt.ingest.MinHasher;
import dev.cpt.ingest.Origin;
import dev.cpt.ingest.Outcome;
import dev.cpt.ingest.QualityScorer;
import dev.cpt.ingest.Split;
import dev.cpt.ingest.TextNormalizer;
import dev.cpt.ingest.Validator;
import dev.cpt.kafka.EmbeddedKafka;
import dev.cpt.model.tokenizer.ByteTokenizer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Bytes the broker stores per byte of text, for documents and for training batches, in schema version 1 (token ids
 * as JSON number arrays, today's form) and version 2 (packed: {@link dev.cpt.contracts.PackedInts}), side by side in
 * one run on one embedded KRaft broker, for each producer compression codec; plus an LEB128-varint form of the ids
 * (base64, {@code 'v'} prefix) that version 2 could have used instead.
 *
 * <p>Documents are the three corpora the demo streams ({@code documents.jsonl.gz} of {@code corpus/general},
 * {@code corpus/python} and {@code corpus/postgresql}) and the launcher's sample corpus ({@code SampleCorpus.general()}'s
 * paragraphs of {@code corpus/general.txt}), ingested through the service's own
 * pipeline (validation, normalisation, dedup, quality scores, split) with the byte tokenizer the demo's ingest uses,
 * and written by ingest's {@link DocumentSerializer} (version 1 with {@code cpt.tokens.encoding=numbers}), keyed by
 * domain to a topic of {@code cpt.documents}' 4 partitions. Batches pack those documents' tokens the way the mixer's
 * DomainBuffer and RoundMessages do (per domain in arrival order, sequences of contextLength + 1 tokens with their
 * document ids and starts, batchSize sequences a batch; mixer defaults 128 and 8), written by {@link Json} (version 1
 * by the same mapper with the packing and the version field masked), to one partition. "Text" of a batch is its token
 * count: one byte of UTF-8 per byte-tokenizer id.
 *
 * <p>Stored bytes are the sum of the topic's partition log sizes that the broker reports ({@code describeLogDirs}):
 * record batches as stored, compression and record overhead included. It also prints the serializer's CPU seconds
 * per MB of text for each form (this thread, after a warm-up).
 *
 * <p>Usage: {@code BrokerStorage [documents=all]}; {@code -Dbench.codecs=none,lz4,zstd},
 * {@code -Dbench.context-length=128}, {@code -Dbench.batch-size=8}.
 */
public final class BrokerStorage {
    private static final List<String> FORMS = List.of("v1-numbers", "v2-packed", "alt-varint");

    public static void main(String[] args) throws Exception {
        org.jboss.logmanager.LogContext.getSystemLogContext().getLogger("").setLevel(java.util.logging.Level.WARNING);
        Path root = repositoryRoot();
        List<RawDocument> raw = corpus(root);
        int limit = args.length > 0 ? Integer.parseInt(args[0]) : raw.size();
        List<Document> documents = ingest(raw.subList(0, Math.min(limit, raw.size())));
        long textBytes = documents.stream()
                .mapToLong(d -> d.text().getBytes(StandardCharsets.UTF_8).length)
                .sum();
        int contextLength = Integer.getInteger("bench.context-length", 128);
        int batchSize = Integer.getInteger("bench.batch-size", 8);
        List<TrainingBatch> batches = pack(documents, contextLength, batchSize);
        long batchTextBytes =
                batches.stream().mapToLong(TrainingBatch::tokenCount).sum();
        System.out.printf(
                "documents: %,d of %,d read (ingested with the byte tokenizer), %,d bytes of text; batches: %,d of"
                        + " %d x %d tokens, %,d tokens (= bytes of text)%n",
                documents.size(), raw.size(), textBytes, batches.size(), batchSize, contextLength + 1, batchTextBytes);

        Map<String, Function<Document, byte[]>> documentWriters = documentWriters();
        Map<String, Function<TrainingBatch, byte[]>> batchWriters = batchWriters();
        checkForms(documents.get(0), batches.get(0), documentWriters, batchWriters);
        if (Boolean.getBoolean("bench.show")) {
            System.out.println(new String(documentWriters.get("v2-packed").apply(documents.get(0)), UTF_8));
            System.out.println(new String(batchWriters.get("v2-packed").apply(batches.get(0)), UTF_8));
        }

        System.out.printf("%nuncompressed value bytes per byte of text (the JSON the producer is handed):%n");
        for (String form : FORMS) {
            System.out.printf(
                    "  %-11s documents %.3f   batches %.3f%n",
                    form,
                    valueBytes(documents, documentWriters.get(form)) / (double) textBytes,
                    valueBytes(batches, batchWriters.get(form)) / (double) batchTextBytes);
        }

        // The forms take turns, seven rounds, and each keeps its least CPU: on a shared machine the other loads only
        // ever add time, and a turn order would otherwise favour whichever form the JIT or a quiet moment met first.
        Map<String, double[]> docCpu = new LinkedHashMap<>();
        Map<String, double[]> batchCpu = new LinkedHashMap<>();
        FORMS.forEach(f -> {
            docCpu.put(f, new double[] {Double.MAX_VALUE});
            batchCpu.put(f, new double[] {Double.MAX_VALUE});
        });
        for (int round = 0; round < 7; round++) {
            for (String form : FORMS) {
                double d = cpuPerMb(documents, documentWriters.get(form), textBytes);
                double b = cpuPerMb(batches, batchWriters.get(form), batchTextBytes);
                docCpu.get(form)[0] = Math.min(docCpu.get(form)[0], d);
                batchCpu.get(form)[0] = Math.min(batchCpu.get(form)[0], b);
            }
        }
        System.out.printf("%nserializer CPU, core-s per MB of text (one thread; least of 7 turns of 4 passes each):%n");
        for (String form : FORMS) {
            System.out.printf(
                    "  %-11s documents %.4f   batches %.4f%n", form, docCpu.get(form)[0], batchCpu.get(form)[0]);
        }

        List<String> codecs = Arrays.asList(
                System.getProperty("bench.codecs", "none,lz4,zstd").split(","));
        Path dir = Files.createTempDirectory("cpt-bench-storage");
        EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0);
        List<String> goals = new ArrayList<>();
        try {
            System.out.printf("%nbytes in the broker's log per byte of text (broker %s):%n", kafka.bootstrapServers());
            System.out.printf("  %-6s %-11s %10s %10s%n", "codec", "form", "documents", "batches");
            Map<String, Integer> topics = new LinkedHashMap<>();
            for (String codec : codecs) {
                for (String form : FORMS) {
                    topics.put("bench.documents." + form + "." + codec, 4);
                    topics.put("bench.batches." + form + "." + codec, 1);
                }
            }
            createTopics(kafka, topics);
            for (String codec : codecs) {
                for (String form : FORMS) {
                    String docTopic = "bench.documents." + form + "." + codec;
                    String batchTopic = "bench.batches." + form + "." + codec;
                    produce(kafka, codec, docTopic, documents, Document::domain, documentWriters.get(form));
                    produce(kafka, codec, batchTopic, batches, TrainingBatch::batchId, batchWriters.get(form));
                    double docs = kafka.logBytes(docTopic) / (double) textBytes;
                    double bats = kafka.logBytes(batchTopic) / (double) batchTextBytes;
                    System.out.printf("  %-6s %-11s %10.3f %10.3f%n", codec, form, docs, bats);
                    if (form.equals("v2-packed")) {
                        goals.add(String.format(
                                "%s: documents %.3f (goal <= 1.5: %s), batches %.3f (goal <= 1.0: %s)",
                                codec, docs, docs <= 1.5 ? "met" : "MISSED", bats, bats <= 1.0 ? "met" : "MISSED"));
                    }
                }
            }
        } finally {
            kafka.stop();
        }
        System.out.printf("%nversion 2 (packed) against the issue's goals:%n");
        goals.forEach(g -> System.out.println("  " + g));
    }

    // ---- the corpus, through ingest's pipeline ----

    private static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("corpus"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("run inside the repository: no corpus/ directory above " + Path.of(""));
        }
        return p;
    }

    /** The demo's three corpora, then the launcher's sample corpus split into paragraphs as SampleCorpus.general() does. */
    private static List<RawDocument> corpus(Path root) throws IOException {
        List<RawDocument> docs = new ArrayList<>();
        for (String name : List.of("general", "python", "postgresql")) {
            Path file = root.resolve("corpus").resolve(name).resolve("documents.jsonl.gz");
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (!line.isBlank()) {
                        docs.add(Json.read(line, RawDocument.class));
                    }
                }
            }
        }
        String sample = Files.readString(root.resolve("cpt-launcher/src/main/resources/corpus/general.txt"));
        int i = 0;
        for (String paragraph : sample.split("\\n\\s*\\n")) {
            if (!paragraph.strip().isEmpty()) {
                docs.add(new RawDocument("general-" + i++, "general", paragraph.strip(), "demo"));
            }
        }
        return docs;
    }

    private static List<Document> ingest(List<RawDocument> raw) throws IOException {
        List<Document> accepted = new ArrayList<>();
        Ingester.Sink collect = new Ingester.Sink() {
            @Override
            public CompletableFuture<?> publish(Document d, Split s) {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletableFuture<?> deadLetter(byte[] original, String reason, Origin origin) {
                return CompletableFuture.completedFuture(null);
            }
        };
        try (Deduplicator dedup = new Deduplicator(
                new Deduplicator.Settings(true, true, 1_000_000, 200_000),
                MinHasher.forThreshold(0.8, 5, 128),
                Files.createTempDirectory("cpt-bench-storage-dedup"))) {
            DocumentPipeline pipeline = new DocumentPipeline(
                    new Validator(1, 1 << 20),
                    new TextNormalizer(),
                    new DomainRules("general", List.of()),
                    dedup,
                    new QualityScorer(),
                    0.5,
                    10,
                    ByteTokenizer.INSTANCE,
                    Clock.systemUTC());
            Ingester ingester = new Ingester(
                    pipeline, dedup, collect, new IngestMetrics(new SimpleMeterRegistry()), Duration.ofSeconds(60));
            List<Ingester.Item> items = raw.stream()
                    .map(r -> Ingester.Item.json(Origin.http(), Json.write(r).getBytes(StandardCharsets.UTF_8)))
                    .toList();
            for (Outcome o : ingester.ingest(items, false)) {
                if (o instanceof Outcome.Accepted a) {
                    accepted.add(a.document());
                }
            }
        }
        return accepted;
    }

    // ---- batches, packed as the mixer packs them ----

    /**
     * Per domain in arrival order, each document's tokens appended to its domain's stream (no separator, the mixer's
     * default), cut into sequences of contextLength + 1 tokens naming the documents they hold and where each begins;
     * batchSize sequences a batch, the domains taken in turn, as a uniform round of the mixer would.
     */
    static List<TrainingBatch> pack(List<Document> documents, int contextLength, int batchSize) {
        int length = contextLength + 1;
        Map<String, List<Document>> byDomain = new LinkedHashMap<>();
        documents.forEach(d ->
                byDomain.computeIfAbsent(d.domain(), k -> new ArrayList<>()).add(d));
        Map<String, List<PackedSequence>> sequences = new LinkedHashMap<>();
        byDomain.forEach((domain, docs) -> sequences.put(domain, cut(domain, docs, length)));
        List<PackedSequence> interleaved = new ArrayList<>();
        for (int i = 0; ; i++) {
            int added = 0;
            for (List<PackedSequence> s : sequences.values()) {
                if (i < s.size()) {
                    interleaved.add(s.get(i));
                    added++;
                }
            }
            if (added == 0) {
                break;
            }
        }
        Map<String, Double> weights = new LinkedHashMap<>();
        sequences.keySet().forEach(d -> weights.put(d, 1.0 / sequences.size()));
        List<TrainingBatch> batches = new ArrayList<>();
        Instant at = Instant.now();
        for (int b = 0; b + batchSize <= interleaved.size(); b += batchSize) {
            long round = b / batchSize;
            batches.add(new TrainingBatch(
                    "round-" + round + "-batch-0",
                    round,
                    contextLength,
                    interleaved.subList(b, b + batchSize),
                    weights,
                    at,
                    "uniform",
                    0.0,
                    0,
                    1,
                    ByteTokenizer.FINGERPRINT));
        }
        return batches;
    }

    private static List<PackedSequence> cut(String domain, List<Document> docs, int length) {
        int total = docs.stream().mapToInt(d -> d.tokens().length).sum();
        int[] stream = new int[total];
        int[] begins = new int[docs.size()];
        int at = 0;
        for (int i = 0; i < docs.size(); i++) {
            begins[i] = at;
            int[] t = docs.get(i).tokens();
            System.arraycopy(t, 0, stream, at, t.length);
            at += t.length;
        }
        List<PackedSequence> out = new ArrayList<>();
        int doc = 0;
        for (int start = 0; start + length <= total; start += length) {
            int end = start + length;
            while (doc < docs.size() && begins[doc] + docs.get(doc).tokens().length <= start) {
                doc++;
            }
            List<String> ids = new ArrayList<>();
            List<Integer> starts = new ArrayList<>();
            for (int d = doc; d < docs.size() && begins[d] < end; d++) {
                if (docs.get(d).tokens().length == 0) {
                    continue;
                }
                ids.add(docs.get(d).id());
                if (begins[d] >= start) {
                    starts.add(begins[d] - start);
                }
            }
            out.add(new PackedSequence(
                    domain,
                    Arrays.copyOfRange(stream, start, end),
                    ids,
                    starts.stream().mapToInt(Integer::intValue).toArray(),
                    false));
        }
        return out;
    }

    // ---- the three forms ----

    /** Masks the version field: JSON as version 1 wrote it. */
    abstract static class NoVersion {
        @JsonIgnore
        abstract int schemaVersion();
    }

    /** Jackson's own int[] writer, as version 1 had it. */
    abstract static class NumberTokens {
        @JsonSerialize(using = com.fasterxml.jackson.databind.JsonSerializer.None.class)
        abstract int[] tokens();
    }

    abstract static class VarintTokens {
        @JsonSerialize(using = Varint.class)
        abstract int[] tokens();
    }

    /** The alternative packing: LEB128 varints (7 bits a byte, low first), base64 without padding, after a 'v'. */
    static final class Varint extends StdSerializer<int[]> {
        Varint() {
            super(int[].class);
        }

        @Override
        public void serialize(int[] ids, JsonGenerator gen, SerializerProvider provider) throws IOException {
            byte[] raw = new byte[ids.length * 5];
            int p = 0;
            for (int id : ids) {
                int v = id;
                while ((v & ~0x7F) != 0) {
                    raw[p++] = (byte) ((v & 0x7F) | 0x80);
                    v >>>= 7;
                }
                raw[p++] = (byte) v;
            }
            gen.writeString("v" + Base64.getEncoder().withoutPadding().encodeToString(Arrays.copyOf(raw, p)));
        }
    }

    private static Map<String, Function<Document, byte[]>> documentWriters() {
        DocumentSerializer numbers = new DocumentSerializer();
        numbers.configure(Map.of(DocumentSerializer.ENCODING_CONFIG, "numbers"), false);
        DocumentSerializer packed = new DocumentSerializer();
        ObjectMapper varint = Json.MAPPER.copy().addMixIn(Document.class, VarintTokens.class);
        Map<String, Function<Document, byte[]>> m = new LinkedHashMap<>();
        m.put("v1-numbers", d -> numbers.serialize("t", d));
        m.put("v2-packed", d -> packed.serialize("t", d));
        m.put("alt-varint", d -> write(varint, d));
        return m;
    }

    private static Map<String, Function<TrainingBatch, byte[]>> batchWriters() {
        ObjectMapper v1 = Json.MAPPER
                .copy()
                .addMixIn(TrainingBatch.class, NoVersion.class)
                .addMixIn(PackedSequence.class, NumberTokens.class);
        ObjectMapper varint = Json.MAPPER.copy().addMixIn(PackedSequence.class, VarintTokens.class);
        Map<String, Function<TrainingBatch, byte[]>> m = new LinkedHashMap<>();
        m.put("v1-numbers", b -> write(v1, b));
        m.put("v2-packed", b -> write(Json.MAPPER, b));
        m.put("alt-varint", b -> write(varint, b));
        return m;
    }

    private static byte[] write(ObjectMapper mapper, Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each form is what it claims: version 1 has number arrays and no version; every form carries the same ids. */
    private static void checkForms(
            Document doc,
            TrainingBatch batch,
            Map<String, Function<Document, byte[]>> documentWriters,
            Map<String, Function<TrainingBatch, byte[]>> batchWriters)
            throws IOException {
        String docV1 = new String(documentWriters.get("v1-numbers").apply(doc), StandardCharsets.UTF_8);
        String batchV1 = new String(batchWriters.get("v1-numbers").apply(batch), StandardCharsets.UTF_8);
        for (String v1 : List.of(docV1, batchV1)) {
            if (v1.contains(Versioned.FIELD) || !v1.contains("\"tokens\":[")) {
                throw new IllegalStateException("not the version 1 form: " + v1.substring(0, 300));
            }
        }
        for (String form : List.of("v1-numbers", "v2-packed")) {
            Document d =
                    Json.read(new String(documentWriters.get(form).apply(doc), StandardCharsets.UTF_8), Document.class);
            TrainingBatch b = Json.read(
                    new String(batchWriters.get(form).apply(batch), StandardCharsets.UTF_8), TrainingBatch.class);
            if (!Arrays.equals(d.tokens(), doc.tokens())
                    || !Arrays.equals(
                            b.sequences().get(0).tokens(),
                            batch.sequences().get(0).tokens())) {
                throw new IllegalStateException(form + " does not read back to the same ids");
            }
        }
        String varint = new String(documentWriters.get("alt-varint").apply(doc), StandardCharsets.UTF_8);
        if (!Json.MAPPER.readTree(varint).get("tokens").asText().startsWith("v")) {
            throw new IllegalStateException("the varint mixin did not apply: " + varint.substring(0, 300));
        }
    }

    // ---- measuring ----

    private static <T> long valueBytes(List<T> values, Function<T, byte[]> writer) {
        return values.stream().mapToLong(v -> writer.apply(v).length).sum();
    }

    private static <T> double cpuPerMb(List<T> values, Function<T, byte[]> writer, long textBytes) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        values.forEach(writer::apply);
        int passes = 4;
        long sink = 0;
        long start = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < passes; i++) {
            for (T v : values) {
                sink += writer.apply(v).length;
            }
        }
        double seconds = (threads.getCurrentThreadCpuTime() - start) / 1e9;
        if (sink == 42) {
            System.out.print("");
        }
        return seconds / (passes * textBytes / 1e6);
    }

    private static void createTopics(EmbeddedKafka kafka, Map<String, Integer> topics) throws Exception {
        try (Admin admin = kafka.admin()) {
            admin.createTopics(topics.entrySet().stream()
                            .map(e -> new NewTopic(e.getKey(), e.getValue(), (short) 1))
                            .toList())
                    .all()
                    .get();
            // every partition led before the first send: an idempotent producer's first batch to a partition still
            // without a leader can come back out of sequence on this single-node broker
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (admin.describeTopics(topics.keySet()).allTopicNames().get().values().stream()
                    .flatMap(t -> t.partitions().stream())
                    .anyMatch(p -> p.leader() == null || p.leader().isEmpty())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topics without leaders after 60 s");
                }
                Thread.sleep(200);
            }
            Thread.sleep(1000);
        }
    }

    /** Sends every value with a producer configured as ingest's (acks=all, linger 5 ms, 256 KB batches). */
    private static <T> void produce(
            EmbeddedKafka kafka,
            String codec,
            String topic,
            List<T> values,
            Function<T, String> key,
            Function<T, byte[]> writer)
            throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16_000_000);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 262_144);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
            for (T v : values) {
                acks.add(producer.send(new ProducerRecord<>(topic, key.apply(v), writer.apply(v))));
            }
            for (java.util.concurrent.Future<?> ack : acks) {
                ack.get();
            }
        }
    }
}

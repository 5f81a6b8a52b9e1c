package dev.cpt.ingest;

import static dev.cpt.contracts.metrics.Metrics.INGEST_BYTES;
import static dev.cpt.contracts.metrics.Metrics.INGEST_DOCUMENTS;
import static dev.cpt.contracts.metrics.Metrics.INGEST_DUPLICATES;
import static dev.cpt.contracts.metrics.Metrics.INGEST_FILES;
import static dev.cpt.contracts.metrics.Metrics.INGEST_QUALITY;
import static dev.cpt.contracts.metrics.Metrics.INGEST_RECEIVED;
import static dev.cpt.contracts.metrics.Metrics.INGEST_REJECTS;
import static dev.cpt.contracts.metrics.Metrics.INGEST_TOKENS;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.IngestReply;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import dev.cpt.ingest.bench.CorpusGenerator;
import dev.cpt.testkit.AwaitRecord;
import dev.cpt.testkit.EmbeddedKafkaResource;
import dev.cpt.testkit.ServiceEndpointsTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(EmbeddedKafkaResource.class)
class DataIngestServiceTest extends ServiceEndpointsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private final KafkaCompanion kafka =
            new KafkaCompanion(EmbeddedKafkaResource.broker().bootstrapServers());

    @Test
    void aPostedDocumentIsPublishedKeyedByItsDomainWithItsQualityScores() {
        String reply = given().contentType("application/json")
                .body(Json.write(new RawDocument("post-1", "chemistry", "Water boils at 100 degrees.", null)))
                .when()
                .post("/documents")
                .then()
                .statusCode(202)
                .body("accepted", hasSize(1))
                .body("accepted[0].domain", equalTo("chemistry"))
                .extract()
                .asString();
        String id = Json.read(reply, IngestReply.class).accepted().get(0).id();

        Document doc = awaitDocument(id);
        assertEquals("chemistry", doc.domain());
        assertEquals("Water boils at 100 degrees.".length(), doc.tokens().length);
        assertEquals("byte-utf8", doc.tokenizer());
        assertEquals("http", doc.source());
        assertTrue(doc.quality().get("score") > 0.5, doc.quality().toString());
    }

    @Test
    void jsonLinesAreAcceptedOneByOneAndABadLineIsNamed() {
        String body = Json.write(new RawDocument("jl-1", "law", "A contract needs an offer.", null)) + "\n"
                + "{\"domain\": \"law\"}\n"
                + Json.write(new RawDocument("jl-3", "law", "   ", null)) + "\n";
        given().contentType(DocumentResource.JSONL)
                .body(body.getBytes(StandardCharsets.UTF_8))
                .when()
                .post("/documents")
                .then()
                .statusCode(202)
                .body("accepted", hasSize(1))
                .body("rejected", hasSize(2))
                .body("rejected[0].line", equalTo(2))
                .body("rejected[0].reason", equalTo("malformed"))
                .body("rejected[0].message", startsWith("not a valid RawDocument: text is missing"))
                .body("rejected[1].reason", equalTo("empty"));
    }

    @Test
    void theSameDocumentSentTwiceIsStoredOnceAndTheSecondIsReportedAsADuplicate() {
        String text = new CorpusGenerator(101).document(1200);
        String body = Json.write(new RawDocument("twice-1", "history", text, null));
        given().contentType("application/json")
                .body(body)
                .when()
                .post("/documents")
                .then()
                .statusCode(202)
                .body("accepted", hasSize(1));
        given().contentType("application/json")
                .body(body)
                .when()
                .post("/documents")
                .then()
                .statusCode(202)
                .body("accepted", hasSize(0))
                .body("duplicates", hasSize(1))
                .body("duplicates[0].id", equalTo("twice-1"))
                .body("duplicates[0].kind", equalTo("exact"));

        // both requests returned after the broker acknowledged: count what it holds
        long stored =
                TopicScan.all(EmbeddedKafkaResource.broker().bootstrapServers(), Document.TOPIC, Document.HELDOUT_TOPIC)
                        .stream()
                        .filter(r -> r.value().contains("\"twice-1\""))
                        .count();
        assertEquals(1, stored);
        given().when()
                .get("/q/metrics")
                .then()
                .body(containsString(INGEST_DUPLICATES.prometheusName() + "{domain=\"history\",kind=\"exact\"}"));
    }

    @Test
    void aNearDuplicateAboveTheThresholdIsDroppedAndCounted() {
        String text = new CorpusGenerator(202).document(4000);
        int middle = text.indexOf(' ', text.length() / 2);
        String edited = text.substring(0, middle) + " indeed" + text.substring(middle); // one word more in ~650
        String body = Json.write(new RawDocument("near-1", "geography", text, null)) + "\n"
                + Json.write(new RawDocument("near-2", "geography", edited, null)) + "\n";
        given().contentType(DocumentResource.JSONL)
                .body(body.getBytes(StandardCharsets.UTF_8))
                .when()
                .post("/documents")
                .then()
                .statusCode(202)
                .body("accepted", hasSize(1))
                .body("accepted[0].id", equalTo("near-1"))
                .body("duplicates", hasSize(1))
                .body("duplicates[0].line", equalTo(2))
                .body("duplicates[0].kind", equalTo("near"));
        given().when()
                .get("/q/metrics")
                .then()
                .body(containsString(INGEST_DUPLICATES.prometheusName() + "{domain=\"geography\",kind=\"near\"}"));
    }

    @Test
    void emptyBinaryInvalidUtf8AndOversizedDocumentsGetTheirReasonAndLandInTheDeadLetterTopic() throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(Json.write(new RawDocument("dlq-empty", "dlq", "", null)).getBytes(StandardCharsets.UTF_8));
        body.write('\n');
        body.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 13});
        body.write("dlq-binary".getBytes(StandardCharsets.UTF_8));
        body.write('\n');
        body.write("{\"id\": \"dlq-utf8\", \"text\": \"caf".getBytes(StandardCharsets.UTF_8));
        body.write(0xe9);
        body.write("\"}\n".getBytes(StandardCharsets.UTF_8));
        body.write(Json.write(new RawDocument("dlq-large", "dlq", "x".repeat(1_100_000), null))
                .getBytes(StandardCharsets.UTF_8));
        given().contentType(DocumentResource.JSONL)
                .body(body.toByteArray())
                .when()
                .post("/documents")
                .then()
                .statusCode(400)
                .body("accepted", hasSize(0))
                .body("rejected.reason", equalTo(List.of("empty", "binary", "invalid-utf8", "too-large")))
                .body("rejected[0].message", equalTo("the document is 0 bytes"))
                .body("rejected[1].message", containsString("NUL byte at offset 4"))
                .body("rejected[2].message", containsString("malformed UTF-8 at byte offset 31"))
                .body("rejected[3].message", containsString("1100000 bytes, the limit is 1048576"));

        assertDeadLetter("dlq-empty", "empty: the document is 0 bytes");
        assertDeadLetter("dlq-binary", "binary: NUL byte at offset 4");
        assertDeadLetter("dlq-utf8", "invalid-utf8: malformed UTF-8");
        assertDeadLetter("dlq-large", "too-large: the document is 1100000 bytes");
        given().when()
                .get("/q/metrics")
                .then()
                .body(containsString(INGEST_REJECTS.prometheusName() + "{reason=\"binary\"}"))
                .body(containsString(INGEST_REJECTS.prometheusName() + "{reason=\"invalid-utf8\"}"))
                .body(containsString(INGEST_REJECTS.prometheusName() + "{reason=\"too-large\"}"));
    }

    @Test
    void aBodyWithNoDocumentIsABadRequest() {
        given().contentType("application/json")
                .body("")
                .when()
                .post("/documents")
                .then()
                .statusCode(400);
    }

    @Test
    void aPoisonMessageOnTheRawTopicGoesToTheDeadLetterTopicAndThePartitionMovesOn() {
        kafka.produceStrings()
                .fromRecords(List.of(
                        new ProducerRecord<>(RawDocument.TOPIC, 0, "k", "this is not json"),
                        new ProducerRecord<>(
                                RawDocument.TOPIC,
                                0,
                                "k",
                                Json.write(new RawDocument(
                                        "after-poison", "biology", "Cells divide by mitosis.", "upstream")))))
                .awaitCompletion(Duration.ofSeconds(30));

        ConsumerRecord<String, String> dead =
                AwaitRecord.first(kafka, r -> r.value().equals("this is not json"), TIMEOUT, DeadLetters.INGEST);
        assertTrue(reason(dead).startsWith("malformed: not a valid RawDocument"), reason(dead));

        Document doc = awaitDocument("after-poison");
        assertEquals("biology", doc.domain());
        assertEquals("upstream", doc.source());
    }

    @Test
    void aRawBatchWithAPoisonRecordInTheMiddleDeadLettersOnlyThatRecord() {
        CorpusGenerator corpus = new CorpusGenerator(404);
        List<ProducerRecord<String, String>> records = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            records.add(new ProducerRecord<>(
                    RawDocument.TOPIC,
                    0,
                    "k",
                    Json.write(new RawDocument("batch-" + i, "geology", corpus.document(600), "upstream"))));
            if (i == 1) {
                records.add(new ProducerRecord<>(RawDocument.TOPIC, 0, "k", "{\"id\": \"batch-poison\", \"text\": "));
                records.add(new ProducerRecord<>(
                        RawDocument.TOPIC,
                        0,
                        "k",
                        Json.write(new RawDocument("batch-empty", "geology", "", "upstream"))));
            }
        }
        kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(30));

        for (int i = 0; i < 4; i++) {
            assertEquals("geology", awaitDocument("batch-" + i).domain());
        }
        ConsumerRecord<String, String> poison =
                AwaitRecord.first(kafka, r -> r.value().contains("batch-poison"), TIMEOUT, DeadLetters.INGEST);
        assertTrue(reason(poison).startsWith("malformed: not a valid RawDocument"), reason(poison));
        ConsumerRecord<String, String> empty =
                AwaitRecord.first(kafka, r -> r.value().contains("batch-empty"), TIMEOUT, DeadLetters.INGEST);
        assertTrue(reason(empty).startsWith("empty:"), reason(empty));
        // only the two bad records were dead-lettered, each once, not the batch around them
        List<String> dead =
                TopicScan.all(EmbeddedKafkaResource.broker().bootstrapServers(), DeadLetters.INGEST).stream()
                        .map(ConsumerRecord::value)
                        .filter(v -> v.contains("\"batch-"))
                        .toList();
        assertEquals(2, dead.size(), dead.toString());
    }

    @Test
    void invalidUtf8OnTheRawTopicIsRefusedNotReplaced() {
        Properties p = new Properties();
        p.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                EmbeddedKafkaResource.broker().bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        byte[] value = "{\"id\": \"raw-latin1\", \"text\": \"na\u00efve\"}".getBytes(StandardCharsets.ISO_8859_1);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(RawDocument.TOPIC, value));
        }
        ConsumerRecord<String, String> dead =
                AwaitRecord.first(kafka, r -> r.value().contains("raw-latin1"), TIMEOUT, DeadLetters.INGEST);
        assertTrue(reason(dead).startsWith("invalid-utf8: malformed UTF-8 at byte offset"), reason(dead));
    }

    @Test
    void filesDroppedIntoTheInboxAreIngestedWithTheirDirectoryAsDomain() throws Exception {
        Path inbox = Path.of(ConfigProvider.getConfig().getValue("cpt.ingest.inbox.dir", String.class));
        CorpusGenerator corpus = new CorpusGenerator(303);
        Path staging = Files.createTempDirectory("cpt-staging");

        Path txt = staging.resolve("granite.txt");
        Files.writeString(txt, corpus.document(1500));
        Path jsonl = staging.resolve("feed.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(jsonl))) {
            for (int i = 0; i < 3; i++) {
                out.write((Json.write(new RawDocument("inbox-" + i, null, corpus.document(800), null)) + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        // writers move finished files in, so the watcher never sees half a file
        Files.createDirectories(inbox.resolve("geology"));
        Files.move(txt, inbox.resolve("geology/granite.txt"), StandardCopyOption.ATOMIC_MOVE);
        Files.move(jsonl, inbox.resolve("geology/feed.jsonl.gz"), StandardCopyOption.ATOMIC_MOVE);

        for (int i = 0; i < 3; i++) {
            Document doc = awaitDocument("inbox-" + i);
            assertEquals("geology", doc.domain());
            assertEquals("file:geology/feed.jsonl.gz", doc.source());
        }
        var text = AwaitRecord.first(
                kafka,
                r -> r.value().contains("\"source\":\"file:geology/granite.txt\""),
                TIMEOUT,
                Document.TOPIC,
                Document.HELDOUT_TOPIC);
        assertEquals("geology", text.key());
        given().when()
                .get("/q/metrics")
                .then()
                .body(containsString(INGEST_FILES.prometheusName() + "{outcome=\"done\"}"))
                .body(containsString(INGEST_RECEIVED.prometheusName() + "{domain=\"geology\",source=\"file\"}"));
    }

    @Override
    protected void exerciseService() {
        given().contentType("application/json")
                .body(Json.write(new RawDocument("metrics-1", "physics", "Light is fast.", null)))
                .when()
                .post("/documents")
                .then()
                .statusCode(202);
    }

    @Override
    protected List<String> expectedMeters() {
        return List.of(
                INGEST_DOCUMENTS.prometheusName() + "{domain=\"physics\"",
                INGEST_BYTES.prometheusName() + "{domain=\"physics\"",
                INGEST_TOKENS.prometheusName() + "{domain=\"physics\"",
                INGEST_RECEIVED.prometheusName() + "{domain=\"physics\",source=\"http\"}",
                INGEST_QUALITY.bucket() + "{domain=\"physics\",le=\"0.5\"}",
                INGEST_QUALITY.count() + "{domain=\"physics\"}");
    }

    private void assertDeadLetter(String marker, String reasonPrefix) {
        ConsumerRecord<String, String> dead =
                AwaitRecord.first(kafka, r -> r.value().contains(marker), TIMEOUT, DeadLetters.INGEST);
        assertTrue(reason(dead).startsWith(reasonPrefix), reason(dead));
        assertEquals(
                "http",
                new String(dead.headers().lastHeader(EmitterSink.SOURCE_HEADER).value(), StandardCharsets.UTF_8));
    }

    private static String reason(ConsumerRecord<String, String> r) {
        return new String(r.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8);
    }

    /** Reads both split topics from the start until the document with this id shows up. */
    private Document awaitDocument(String id) {
        var record = AwaitRecord.first(
                kafka,
                r -> Json.read(r.value(), Document.class).id().equals(id),
                TIMEOUT,
                Document.TOPIC,
                Document.HELDOUT_TOPIC);
        assertEquals(Json.read(record.value(), Document.class).domain(), record.key());
        return Json.read(record.value(), Document.class);
    }
}

package dev.cpt.ingest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import dev.cpt.kafka.test.AwaitRecord;
import dev.cpt.kafka.test.EmbeddedKafkaResource;
import dev.cpt.kafka.test.ServiceEndpointsTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(EmbeddedKafkaResource.class)
class DataIngestServiceTest extends ServiceEndpointsTest {
    private final KafkaCompanion kafka = new KafkaCompanion(EmbeddedKafkaResource.broker().bootstrapServers());

    @Test
    void aPostedDocumentIsPublishedKeyedByItsDomain() {
        String id = given().contentType("application/json")
                .body(Json.write(new RawDocument("post-1", "chemistry", "Water boils at 100 degrees.", null)))
                .when().post("/documents")
                .then().statusCode(202)
                .body("accepted", hasSize(1))
                .body("accepted[0].domain", equalTo("chemistry"))
                .extract().path("accepted[0].id");

        Document doc = awaitDocument(id);
        assertEquals("chemistry", doc.domain());
        assertEquals("Water boils at 100 degrees.".length(), doc.tokens().length);
        assertEquals("http", doc.source());
    }

    @Test
    void jsonLinesAreAcceptedOneByOneAndABadLineIsNamed() {
        String body = Json.write(new RawDocument("jl-1", "law", "A contract needs an offer.", null)) + "\n"
                + "{\"domain\": \"law\"}\n"
                + Json.write(new RawDocument("jl-3", "law", "   ", null)) + "\n";
        given().contentType(DocumentResource.JSONL).body(body.getBytes(StandardCharsets.UTF_8))
                .when().post("/documents")
                .then().statusCode(202)
                .body("accepted", hasSize(1))
                .body("rejected", hasSize(2))
                .body("rejected[0].line", equalTo(2))
                .body("rejected[0].reason", equalTo("malformed"))
                .body("rejected[0].message", startsWith("not a valid RawDocument: text is missing"))
                .body("rejected[1].reason", equalTo("empty"));
    }

    @Test
    void aBodyWithNoDocumentIsABadRequest() {
        given().contentType("application/json").body("").when().post("/documents").then().statusCode(400);
    }

    @Test
    void aPoisonMessageOnTheRawTopicGoesToTheDeadLetterTopicAndThePartitionMovesOn() {
        kafka.produceStrings().fromRecords(List.of(
                new ProducerRecord<>(RawDocument.TOPIC, 0, "k", "this is not json"),
                new ProducerRecord<>(RawDocument.TOPIC, 0, "k",
                        Json.write(new RawDocument("after-poison", "biology", "Cells divide by mitosis.", "upstream")))))
                .awaitCompletion(Duration.ofSeconds(30));

        ConsumerRecord<String, String> dead = kafka.consumeStrings()
                .fromTopics(DeadLetters.INGEST, 1)
                .awaitCompletion(Duration.ofSeconds(60))
                .getFirstRecord();
        assertEquals("this is not json", dead.value());
        String reason = new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8);
        assertTrue(reason.startsWith("not a valid RawDocument"), reason);

        assertEquals("biology", awaitDocument("after-poison").domain());
    }

    @Override
    protected void exerciseService() {
        given().contentType("application/json")
                .body(Json.write(new RawDocument("metrics-1", "physics", "Light is fast.", null)))
                .when().post("/documents").then().statusCode(202);
    }

    @Override
    protected List<String> expectedMeters() {
        return List.of("cpt_ingest_documents_total{domain=\"physics\"", "cpt_ingest_bytes_total{domain=\"physics\"",
                "cpt_ingest_tokens_total{domain=\"physics\"");
    }

    /** Reads both split topics from the start until the document with this id shows up. */
    private Document awaitDocument(String id) {
        var record = AwaitRecord.first(kafka, r -> Json.read(r.value(), Document.class).id().equals(id),
                Duration.ofSeconds(60), Document.TOPIC, Document.HELDOUT_TOPIC);
        assertEquals(Json.read(record.value(), Document.class).domain(), record.key());
        return Json.read(record.value(), Document.class);
    }
}

package dev.cpt.reward;

import static dev.cpt.contracts.metrics.Metrics.REWARD_BATCH_SIZE;
import static dev.cpt.contracts.metrics.Metrics.REWARD_FORWARD;
import static dev.cpt.contracts.metrics.Metrics.REWARD_LATENCY;
import static dev.cpt.contracts.metrics.Metrics.REWARD_QUEUE_DEPTH;
import static dev.cpt.contracts.metrics.Metrics.REWARD_REJECTS;
import static dev.cpt.contracts.metrics.Metrics.REWARD_REQUESTS;
import static dev.cpt.contracts.metrics.Metrics.REWARD_SCORE;
import static dev.cpt.contracts.metrics.Metrics.REWARD_TERM;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RewardRequest;
import dev.cpt.contracts.RewardResponse;
import dev.cpt.testkit.AwaitRecord;
import dev.cpt.testkit.EmbeddedKafkaResource;
import dev.cpt.testkit.ServiceEndpointsTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The service with the tiny start-up-trained encoder ({@code %test} profile), a real broker and real HTTP. */
@QuarkusTest
@WithTestResource(EmbeddedKafkaResource.class)
class RewardServiceTest extends ServiceEndpointsTest {
    private static final String REFERENCE = "One meter has 100 centimeters, so three meters is 300 centimeters.";
    private final KafkaCompanion kafka =
            new KafkaCompanion(EmbeddedKafkaResource.broker().bootstrapServers());

    @Test
    void aGroupOfRequestsOnKafkaIsAnsweredKeyedByItsGroupWithTheTermsApart() {
        List<String> completions = List.of(
                REFERENCE,
                "Bees carry pollen between flowers in the summer.",
                "There are 100 centimeters in a meter, so 3 meters is 300 centimeters.");
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < completions.size(); i++) {
            var request = new RewardRequest(
                    "k-" + i,
                    "group-7",
                    "How many centimeters are 3 meters?",
                    completions.get(i),
                    REFERENCE,
                    Instant.now());
            records.add(new ProducerRecord<>(RewardRequest.TOPIC, "group-7", Json.write(request)));
        }
        kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(30));

        RewardResponse[] responses = new RewardResponse[completions.size()];
        for (int i = 0; i < completions.size(); i++) {
            String id = "\"requestId\":\"k-" + i + "\"";
            var record =
                    AwaitRecord.first(kafka, r -> r.value().contains(id), Duration.ofSeconds(60), RewardResponse.TOPIC);
            assertEquals("group-7", record.key());
            responses[i] = Json.read(record.value(), RewardResponse.class);
            assertEquals(
                    responses[i].terms().get("similarity"),
                    responses[i].reward(),
                    1e-12,
                    "default weights: reward = similarity");
            assertTrue(responses[i].terms().keySet().containsAll(List.of("similarity", "format", "answer", "length")));
        }
        assertEquals(1.0, responses[0].reward(), 1e-6, "identical texts");
        assertTrue(responses[1].reward() < responses[0].reward() - 0.05, "unrelated: " + responses[1].reward());
        assertEquals(1.0, responses[2].terms().get("answer"), "300 is the reference's last number");
        assertEquals(0.0, responses[1].terms().get("answer"));
    }

    @Test
    void aPoisonRequestGoesToTheDeadLetterTopicAndTheNextIsAnswered() {
        var good = new RewardRequest("after-poison", "g", "p", "abc", "xyz", Instant.now());
        kafka.produceStrings()
                .fromRecords(List.of(
                        new ProducerRecord<>(RewardRequest.TOPIC, 1, "g", "{\"requestId\": 12"),
                        new ProducerRecord<>(RewardRequest.TOPIC, 1, "g", Json.write(good))))
                .awaitCompletion(Duration.ofSeconds(30));

        var dead = AwaitRecord.first(
                kafka, r -> r.value().equals("{\"requestId\": 12"), Duration.ofSeconds(60), DeadLetters.REWARD);
        String reason =
                new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8);
        assertTrue(reason.startsWith("not a valid RewardRequest"), reason);
        AwaitRecord.first(kafka, r -> r.value().contains("after-poison"), Duration.ofSeconds(60), RewardResponse.TOPIC);
    }

    @Test
    void aKafkaRequestOverTheLengthBoundIsDeadLetteredWithTheReason() {
        var tooLong = new RewardRequest("too-long", "g", "p", "x".repeat(2049), "r", Instant.now());
        kafka.produceStrings()
                .fromRecords(new ProducerRecord<>(RewardRequest.TOPIC, "g", Json.write(tooLong)))
                .awaitCompletion(Duration.ofSeconds(30));
        var dead = AwaitRecord.first(
                kafka, r -> r.value().contains("\"too-long\""), Duration.ofSeconds(60), DeadLetters.REWARD);
        String reason =
                new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8);
        assertTrue(reason.contains("completion is 2049 characters, the limit is 2048"), reason);
    }

    @Test
    void scoreOverHttpAnswersEachPairInOrderWithItsTerms() {
        JsonPath body = given().contentType("application/json")
                .body(Json.write(Map.of(
                        "pairs",
                        List.of(
                                Map.of("completion", "same text.", "reference", "same text."),
                                Map.of("completion", "quantum chromodynamics", "reference", "a loaf of bread")))))
                .when()
                .post("/score")
                .then()
                .statusCode(200)
                .body("rewards", hasSize(2))
                .body("terms", hasSize(2))
                .body("terms[0]", hasKey("similarity"))
                .extract()
                .jsonPath();
        assertEquals(1.0, body.getDouble("rewards[0]"), 1e-6, "identical texts");
        assertEquals(1.0, body.getDouble("terms[0].format"), "one sentence ending in a period");
        assertEquals(0.0, body.getDouble("terms[1].format"), "no period");
        assertTrue(
                body.getDouble("rewards[1]") < body.getDouble("rewards[0]") - 0.05,
                "unrelated: " + body.getDouble("rewards[1]"));
    }

    @Test
    void badHttpInputGetsAClearError() {
        given().contentType("application/json")
                .body("{\"pairs\":[]}")
                .when()
                .post("/score")
                .then()
                .statusCode(400)
                .body("error", containsString("no pairs"));
        given().contentType("application/json")
                .body("{}")
                .when()
                .post("/score")
                .then()
                .statusCode(400)
                .body("error", containsString("no pairs"));
        given().contentType("application/json")
                .body("{\"pairs\":[{\"reference\":\"r\"}]}")
                .when()
                .post("/score")
                .then()
                .statusCode(400)
                .body("error", containsString("pair 0: completion is missing"));
        given().contentType("application/json")
                .body("{\"pairs\":[{\"completion\":\"c\",\"reference\":\"r\"},null]}")
                .when()
                .post("/score")
                .then()
                .statusCode(400)
                .body("error", containsString("pair 1 is null"));
        given().contentType("application/json")
                .body("{\"pairs\":[{\"completion\":\"c\",\"reference\":\"" + "x".repeat(2049) + "\"}]}")
                .when()
                .post("/score")
                .then()
                .statusCode(413)
                .body("error", containsString("pair 0: reference is 2049 characters, the limit is 2048"));
        String many = String.join(",", java.util.Collections.nCopies(17, "{\"completion\":\"c\",\"reference\":\"r\"}"));
        given().contentType("application/json")
                .body("{\"pairs\":[" + many + "]}")
                .when()
                .post("/score")
                .then()
                .statusCode(413)
                .body("error", containsString("17 pairs, the limit is 16"));
    }

    @Override
    protected void exerciseService() {
        given().contentType("application/json")
                .body("{\"pairs\":[{\"completion\":\"a\",\"reference\":\"a\"}]}")
                .when()
                .post("/score")
                .then()
                .statusCode(200);
        given().contentType("application/json")
                .body("{\"pairs\":[]}")
                .when()
                .post("/score")
                .then()
                .statusCode(400);
    }

    @Override
    protected List<String> expectedMeters() {
        return List.of(
                REWARD_REQUESTS.prometheusName() + "{source=\"http\"",
                REWARD_SCORE.count(),
                REWARD_SCORE.max(),
                REWARD_BATCH_SIZE.count(),
                REWARD_FORWARD.count(),
                REWARD_LATENCY.count() + "{source=\"http\"",
                REWARD_REJECTS.prometheusName() + "{reason=\"bad_input\",source=\"http\"",
                REWARD_TERM.count() + "{term=\"similarity\"",
                REWARD_QUEUE_DEPTH.prometheusName());
    }
}

package dev.cpt.reward;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RewardRequest;
import dev.cpt.contracts.RewardResponse;
import dev.cpt.kafka.test.AwaitRecord;
import dev.cpt.kafka.test.EmbeddedKafkaResource;
import dev.cpt.kafka.test.ServiceEndpointsTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(EmbeddedKafkaResource.class)
class RewardServiceTest extends ServiceEndpointsTest {
    private final KafkaCompanion kafka = new KafkaCompanion(EmbeddedKafkaResource.broker().bootstrapServers());

    @Test
    void aRequestOnKafkaIsAnsweredKeyedByItsGroup() {
        var request = new RewardRequest("r-1", "group-7", "2+2?", "Four, since two plus two is four.",
                "Four, since two plus two is four.", Instant.now());
        kafka.produceStrings().fromRecords(new ProducerRecord<>(RewardRequest.TOPIC, "group-7", Json.write(request)))
                .awaitCompletion(Duration.ofSeconds(30));

        var record = AwaitRecord.first(kafka, r -> r.value().contains("\"requestId\":\"r-1\""), Duration.ofSeconds(60),
                RewardResponse.TOPIC);
        RewardResponse response = Json.read(record.value(), RewardResponse.class);
        assertEquals("group-7", record.key());
        assertEquals(1.0, response.reward(), 1e-9);
        assertEquals(1.0, response.terms().get("similarity"), 1e-9);
    }

    @Test
    void aPoisonRequestGoesToTheDeadLetterTopicAndTheNextIsAnswered() {
        var good = new RewardRequest("after-poison", "g", "p", "abc", "xyz", Instant.now());
        kafka.produceStrings().fromRecords(List.of(
                new ProducerRecord<>(RewardRequest.TOPIC, 1, "g", "{\"requestId\": 12"),
                new ProducerRecord<>(RewardRequest.TOPIC, 1, "g", Json.write(good))))
                .awaitCompletion(Duration.ofSeconds(30));

        var dead = AwaitRecord.first(kafka, r -> r.value().equals("{\"requestId\": 12"), Duration.ofSeconds(60),
                DeadLetters.REWARD);
        String reason = new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8);
        assertTrue(reason.startsWith("not a valid RewardRequest"), reason);
        AwaitRecord.first(kafka, r -> r.value().contains("after-poison"), Duration.ofSeconds(60), RewardResponse.TOPIC);
    }

    @Test
    void scoreOverHttpAnswersEachPairInOrder() {
        given().contentType("application/json")
                .body("{\"pairs\":[{\"completion\":\"same text\",\"reference\":\"same text\"},"
                        + "{\"completion\":\"quantum\",\"reference\":\"a loaf of bread\"}]}")
                .when().post("/score")
                .then().statusCode(200)
                .body("rewards", hasSize(2))
                .body("rewards[0]", equalTo(1.0f))
                .body("rewards[1]", lessThan(0.2f));
    }

    @Test
    void badHttpInputGetsAClearError() {
        given().contentType("application/json").body("{\"pairs\":[]}")
                .when().post("/score").then().statusCode(400).body("error", containsString("no pairs"));
        given().contentType("application/json")
                .body("{\"pairs\":[{\"completion\":\"" + "x".repeat(8193) + "\",\"reference\":\"r\"}]}")
                .when().post("/score").then().statusCode(400).body("error", containsString("the limit is 8192"));
        given().contentType("application/json").body("{\"pairs\":[{\"reference\":\"r\"}]}")
                .when().post("/score").then().statusCode(400).body("error", containsString("completion is missing"));
    }

    @Override
    protected void exerciseService() {
        given().contentType("application/json").body("{\"pairs\":[{\"completion\":\"a\",\"reference\":\"a\"}]}")
                .when().post("/score").then().statusCode(200);
    }

    @Override
    protected List<String> expectedMeters() {
        return List.of("cpt_reward_requests_total{channel=\"http\"", "cpt_reward_score_count", "cpt_reward_score_max");
    }
}

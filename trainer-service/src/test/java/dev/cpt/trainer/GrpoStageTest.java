package dev.cpt.trainer;

import static dev.cpt.contracts.metrics.Metrics.GRPO_ADVANTAGE_STD;
import static dev.cpt.contracts.metrics.Metrics.GRPO_CLIP_FRACTION;
import static dev.cpt.contracts.metrics.Metrics.GRPO_HELDOUT_REWARD;
import static dev.cpt.contracts.metrics.Metrics.GRPO_KL;
import static dev.cpt.contracts.metrics.Metrics.GRPO_LATE_REWARDS;
import static dev.cpt.contracts.metrics.Metrics.GRPO_REWARD_MEAN;
import static dev.cpt.contracts.metrics.Metrics.GRPO_STALE_GROUPS;
import static dev.cpt.contracts.metrics.Metrics.GRPO_STEPS;
import static dev.cpt.contracts.metrics.Metrics.GRPO_ZERO_STD_GROUPS;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.GrpoStatus;
import dev.cpt.contracts.Json;
import dev.cpt.model.io.Manifest;
import dev.cpt.testkit.AwaitRecord;
import dev.cpt.testkit.EmbeddedKafkaResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A GRPO stage end to end on a real broker: the test plays the reward service (a real consumer of
 * {@code cpt.reward.requests} answering on {@code cpt.rewards}, scoring by shared words), the stage runs through
 * {@code POST /grpo} and {@code GET /grpo/{id}}, and its checkpoints are announced on {@code cpt.checkpoints}.
 */
@QuarkusTest
@WithTestResource(EmbeddedKafkaResource.class)
class GrpoStageTest {
    private static RewardResponder responder;
    private final KafkaCompanion kafka =
            new KafkaCompanion(EmbeddedKafkaResource.broker().bootstrapServers());

    @BeforeAll
    static void startResponder() {
        responder = new RewardResponder(EmbeddedKafkaResource.broker().bootstrapServers());
    }

    @AfterAll
    static void stopResponder() throws InterruptedException {
        responder.close();
    }

    @Test
    void aStageTrainsOnRewardsFromTheBrokerAndAnnouncesItsCheckpoints() throws Exception {
        String id = given().contentType(ContentType.JSON)
                .body("{\"prompts\": 4, \"heldOutPrompts\": 2, \"steps\": 2, \"groupSize\": 3, \"promptsPerStep\": 2,"
                        + " \"maxNewTokens\": 8, \"seed\": 3, \"beta\": 0.05}")
                .when()
                .post("/grpo")
                .then()
                .statusCode(202)
                .extract()
                .path("id");

        GrpoStatus status = awaitEnd(id, Duration.ofSeconds(300));
        assertEquals("succeeded", status.state(), () -> "stage failed: " + status.error());
        assertNull(status.error());
        assertEquals(2, status.step());
        // 2 held-out answers before, 2 steps x 2 prompts x 3 completions, 2 held-out answers after
        assertTrue(responder.answered() >= 16, "answered " + responder.answered());
        assertEquals(2, status.heldOutAnsweredBefore());
        assertNotNull(status.heldOutRewardBefore());
        assertEquals(
                4, status.groupsUsed() + status.staleGroupsDropped(), "every group was used or dropped and counted");
        assertEquals(2, status.checkpoints().size(), "the branched base (step 0) and the last step");

        var record = AwaitRecord.first(
                kafka,
                r -> r.key().equals(status.runId())
                        && Json.read(r.value(), CheckpointEvent.class).step() == 2,
                Duration.ofSeconds(60),
                CheckpointEvent.TOPIC);
        CheckpointEvent event = Json.read(record.value(), CheckpointEvent.class);
        assertEquals("demo-grpo-" + id, event.runId());
        Path dir = Path.of(URI.create(event.uri()));
        var manifest = Manifest.verify(dir);
        assertEquals(event.sha256(), manifest.sha256());
        assertTrue(
                manifest.metadata().get("grpo.base").contains("/demo/"),
                manifest.metadata().toString());
        assertEquals("grpo", event.schedule().kind());

        String metrics = given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        String run = "run=\"" + status.runId() + "\"";
        for (String meter : List.of(
                GRPO_STEPS.prometheusName(),
                GRPO_REWARD_MEAN.prometheusName(),
                GRPO_ADVANTAGE_STD.prometheusName(),
                GRPO_KL.prometheusName(),
                GRPO_CLIP_FRACTION.prometheusName(),
                GRPO_ZERO_STD_GROUPS.prometheusName(),
                GRPO_STALE_GROUPS.prometheusName(),
                GRPO_LATE_REWARDS.prometheusName(),
                GRPO_HELDOUT_REWARD.prometheusName())) {
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith(meter) && l.contains(run)), meter + " with " + run);
        }
    }

    @Test
    void aSpecOutOfBoundsIsRefusedWithEveryProblem() {
        given().contentType(ContentType.JSON)
                .body("{\"task\": \"poetry\", \"groupSize\": 1, \"clipEpsilon\": 2}")
                .when()
                .post("/grpo")
                .then()
                .statusCode(400)
                .body("error", containsString("task must be one of"))
                .body("error", containsString("groupSize must be in [2, 64]"))
                .body("error", containsString("clipEpsilon"));
        given().when().get("/grpo/no-such-stage").then().statusCode(404);
    }

    private static GrpoStatus awaitEnd(String id, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            String body = given().when()
                    .get("/grpo/" + id)
                    .then()
                    .statusCode(200)
                    .extract()
                    .asString();
            GrpoStatus s = Json.read(body, GrpoStatus.class);
            if (s.state().equals("succeeded") || s.state().equals("failed") || System.nanoTime() > deadline) {
                return s;
            }
            Thread.sleep(250);
        }
    }
}

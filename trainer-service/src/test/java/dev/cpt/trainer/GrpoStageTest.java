package dev.cpt.trainer;

import static dev.cpt.contracts.metrics.Metrics.GRPO_ADVANTAGE_STD;
import static dev.cpt.contracts.metrics.Metrics.GRPO_CLIP_FRACTION;
import static dev.cpt.contracts.metrics.Metrics.GRPO_HELDOUT_REWARD;
import static dev.cpt.contracts.metrics.Metrics.GRPO_KL;
import static dev.cpt.contracts.metrics.Metrics.GRPO_LATE_REWARDS;
import static dev.cpt.contracts.metrics.Metrics.GRPO_REWARD_LATENCY;
import static dev.cpt.contracts.metrics.Metrics.GRPO_REWARD_MEAN;
import static dev.cpt.contracts.metrics.Metrics.GRPO_ROLLOUT_TOKENS;
import static dev.cpt.contracts.metrics.Metrics.GRPO_ROLLOUT_TOKENS_PER_SECOND;
import static dev.cpt.contracts.metrics.Metrics.GRPO_STALENESS;
import static dev.cpt.contracts.metrics.Metrics.GRPO_STALE_GROUPS;
import static dev.cpt.contracts.metrics.Metrics.GRPO_STEPS;
import static dev.cpt.contracts.metrics.Metrics.GRPO_TASKS_REJECTED;
import static dev.cpt.contracts.metrics.Metrics.GRPO_TRUNCATED_FRACTION;
import static dev.cpt.contracts.metrics.Metrics.GRPO_ZERO_STD_GROUPS;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.GrpoStatus;
import dev.cpt.contracts.GrpoTaskExample;
import dev.cpt.contracts.Json;
import dev.cpt.model.io.Manifest;
import dev.cpt.testkit.AwaitRecord;
import dev.cpt.testkit.EmbeddedKafkaResource;
import dev.cpt.trainer.grpo.HeldOutSplit;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GRPO stages end to end on a real broker, on the demo task, a user's JSONL file and the task topic: the test plays the reward service (a real consumer of
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
        String id =
                start("{\"prompts\": 4, \"heldOutPrompts\": 2, \"steps\": 2, \"groupSize\": 3, \"promptsPerStep\": 2,"
                        + " \"maxNewTokens\": 8, \"seed\": 3, \"beta\": 0.05}");

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

        String metrics = scrape();
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
                GRPO_HELDOUT_REWARD.prometheusName(),
                // overlapped rollouts (the default): step 2 trains on rollouts sampled before step 1's update
                GRPO_ROLLOUT_TOKENS.prometheusName(),
                GRPO_ROLLOUT_TOKENS_PER_SECOND.prometheusName(),
                GRPO_REWARD_LATENCY.count(),
                GRPO_STALENESS.count(),
                GRPO_TRUNCATED_FRACTION.prometheusName())) {
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith(meter) && l.contains(run)), meter + " with " + run);
        }
    }

    @Test
    void aStageTrainsOnTheUsersJsonlFileAndItsBadLineIsDeadLetteredWithTheReason(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tasks.jsonl");
        List<String> lines = new ArrayList<>();
        List<GrpoTaskExample> examples = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            examples.add(
                    new GrpoTaskExample("file-" + i, "What is " + i + " + 1?", i + " plus 1 equals " + (i + 1) + "."));
            lines.add(Json.write(examples.get(i)));
        }
        String bad = "{\"id\": \"file-8\", \"prompt\": \"\", \"reference\": \"a blank prompt\"}";
        lines.add(bad);
        Files.write(file, lines);
        HeldOutSplit split = new HeldOutSplit(25);
        int heldOut = (int) examples.stream().filter(e -> split.heldOut(e.id())).count();
        assertTrue(heldOut > 0 && heldOut < 8, "these ids fall on both sides: " + heldOut);

        String id = start("{\"tasksFile\": \"" + file + "\", \"heldOutPercent\": 25, \"steps\": 1,"
                + " \"groupSize\": 2, \"promptsPerStep\": 2, \"maxNewTokens\": 6, \"seed\": 3}");

        GrpoStatus status = awaitEnd(id, Duration.ofSeconds(300));
        assertEquals("succeeded", status.state(), () -> "stage failed: " + status.error());
        assertEquals(new GrpoStatus.Tasks(file.toString(), 8, 1, 8 - heldOut, heldOut), status.tasks());
        assertNull(status.spec().task(), "no demo task with the user's tasks");
        assertEquals(heldOut, status.heldOutPrompts());
        assertEquals(heldOut, status.heldOutAnsweredBefore());
        assertNotNull(status.heldOutRewardBefore());
        assertNotNull(status.heldOutRewardAfter());
        assertTrue(
                responder.prompts().contains("Q: What is 0 + 1?\nA:")
                        || responder.prompts().contains("Q: What is 3 + 1?\nA:"),
                "the file's prompts in the default template: " + responder.prompts());

        var dead = AwaitRecord.first(kafka, r -> bad.equals(r.value()), Duration.ofSeconds(60), DeadLetters.TRAINER);
        String reason =
                new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8);
        assertTrue(reason.startsWith("line 9 of " + file + ": "), reason);
        assertTrue(reason.contains("prompt is missing or blank"), reason);

        String metrics = scrape();
        assertTrue(
                metrics.lines()
                        .anyMatch(l -> l.startsWith(GRPO_TASKS_REJECTED.prometheusName())
                                && l.contains("reason=\"invalid\"")
                                && l.contains("run=\"" + status.runId() + "\"")
                                && l.endsWith(" 1.0")),
                "one invalid line counted");
    }

    @Test
    void aStageFromTheTaskTopicTrainsOnTheExamplesProducedToIt() throws Exception {
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            var e = new GrpoTaskExample(
                    "topic-" + i,
                    "How many cm in " + (i + 1) + " m?",
                    (i + 1) + " meters is " + (i + 1) * 100 + " centimeters.");
            kafka.produceStrings()
                    .fromRecords(new ProducerRecord<>(GrpoTaskExample.TOPIC, e.id(), Json.write(e)))
                    .awaitCompletion(Duration.ofSeconds(30));
            expected.add("Task: " + e.prompt() + "\nAnswer:");
        }

        String id =
                start("{\"tasksTopic\": true, \"heldOutPercent\": 50, \"promptTemplate\": \"Task: {prompt}\\nAnswer:\","
                        + " \"steps\": 1, \"groupSize\": 2, \"promptsPerStep\": 2, \"maxNewTokens\": 6, \"seed\": 3}");

        GrpoStatus status = awaitEnd(id, Duration.ofSeconds(300));
        assertEquals("succeeded", status.state(), () -> "stage failed: " + status.error());
        // topic-1 and topic-4 hash below 50: held out
        assertEquals(new GrpoStatus.Tasks(GrpoTaskExample.TOPIC, 6, 0, 4, 2), status.tasks());
        assertNotNull(status.heldOutRewardAfter());
        Set<String> seen =
                responder.prompts().stream().filter(p -> p.startsWith("Task: ")).collect(Collectors.toSet());
        assertTrue(seen.size() >= 2, "the held-out ones at least: " + seen);
        assertTrue(expected.containsAll(seen), "only the topic's examples: " + seen);
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
        given().contentType(ContentType.JSON)
                .body("{\"tasksFile\": \"/no/such/tasks.jsonl\", \"promptTemplate\": \"Q:\"}")
                .when()
                .post("/grpo")
                .then()
                .statusCode(400)
                .body("error", containsString("tasksFile '/no/such/tasks.jsonl' does not exist on the trainer"))
                .body("error", containsString("promptTemplate must contain {prompt}"));
    }

    private static String scrape() {
        return given().when().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static String start(String spec) {
        return given().contentType(ContentType.JSON)
                .body(spec)
                .when()
                .post("/grpo")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
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

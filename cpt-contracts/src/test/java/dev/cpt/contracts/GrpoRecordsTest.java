package dev.cpt.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The trainer's GRPO HTTP API ({@code POST /grpo}, {@code GET /grpo/{id}}) in its records: the exact field names a
 * client such as the launcher depends on, written and read back unchanged, and the status's transitions.
 */
class GrpoRecordsTest {
    private static final String SPEC_JSON =
            "{\"task\":\"arithmetic\",\"prompts\":64,\"heldOutPrompts\":16,\"steps\":20,"
                    + "\"groupSize\":8,\"promptsPerStep\":4,\"innerSteps\":1,\"beta\":0.04,\"clipEpsilon\":0.2,"
                    + "\"learningRate\":3.0E-4,\"temperature\":1.0,\"maxNewTokens\":48,\"seed\":1,\"checkpointEverySteps\":0,"
                    + "\"tasksFile\":null,\"tasksTopic\":false,\"heldOutPercent\":20,"
                    + "\"promptTemplate\":\"Q: {prompt}\\nA:\"}";

    private static final String STEP_JSON = "{\"step\":2,\"policyVersion\":2,\"groupsSampled\":4,\"groupsUsed\":3,"
            + "\"zeroStdGroups\":1,\"staleGroupsDropped\":1,\"lateRewards\":5,\"meanReward\":0.5,\"advantageStd\":0.9,"
            + "\"loss\":-0.1,\"kl\":0.01,\"clipFraction\":0.25,\"meanRatio\":1.0,\"applied\":true,\"took\":1.500000000,"
            + "\"rolloutTokens\":640,\"rolloutTime\":0.250000000,\"meanStaleness\":1.0,\"truncatedFraction\":0.05}";

    private static GrpoStepReport stepReport() {
        return new GrpoStepReport(
                2,
                2,
                4,
                3,
                1,
                1,
                5,
                0.5,
                0.9,
                -0.1,
                0.01,
                0.25,
                1.0,
                true,
                Duration.ofMillis(1500),
                640,
                Duration.ofMillis(250),
                1.0,
                0.05);
    }

    @Test
    void aSpecLeftOutIsFilledWithTheDefaultsAndWrittenUnderItsFieldNames() {
        GrpoSpec asked = Json.read("{\"task\":\"units\",\"steps\":3,\"beta\":0.0}", GrpoSpec.class);

        assertEquals(
                new GrpoSpec(
                        "units", null, null, 3, null, null, null, 0.0, null, null, null, null, null, null, null, null,
                        null, null),
                asked);
        GrpoSpec filled = asked.withDefaults();
        assertEquals(3, filled.steps());
        assertEquals(0.0, filled.beta());
        assertEquals(64, filled.prompts());

        GrpoSpec defaults = GrpoSpec.unset().withDefaults();
        assertEquals(SPEC_JSON, Json.write(defaults));
        assertEquals(defaults, Json.read(SPEC_JSON, GrpoSpec.class));
        assertEquals(defaults, defaults.withDefaults(), "filling twice changes nothing");
    }

    @Test
    void aSpecWithTheUsersTasksHasNoDemoTaskFilledIn() {
        GrpoSpec file = Json.read("{\"tasksFile\":\"/data/tasks.jsonl\"}", GrpoSpec.class)
                .withDefaults();
        assertNull(file.task(), "the demo task is the default only without tasks of the user's");
        assertEquals(20, file.heldOutPercent());
        assertEquals("Q: {prompt}\nA:", file.promptTemplate());
        GrpoSpec topic = Json.read("{\"tasksTopic\":true}", GrpoSpec.class).withDefaults();
        assertNull(topic.task());
        assertEquals(false, GrpoSpec.unset().withDefaults().tasksTopic());
    }

    @Test
    void aStatusTakesTheCountsOfTheTasksItLoaded() {
        GrpoStatus queued =
                GrpoStatus.queued("g1", "demo-grpo-g1", GrpoSpec.unset().withDefaults());
        GrpoStatus loaded = queued.running().withTasks(new GrpoStatus.Tasks("cpt.grpo.tasks", 9, 1, 7, 2));
        assertEquals(2, loaded.heldOutPrompts(), "the held-out count is the one measured on");
        assertEquals(1, loaded.tasks().rejected());
        assertEquals(loaded.tasks(), loaded.stepped(stepReport()).succeeded().tasks(), "kept by every change");
    }

    @Test
    void aStepReportKeepsItsFieldNames() {
        assertEquals(STEP_JSON, Json.write(stepReport()));
        assertEquals(stepReport(), Json.read(STEP_JSON, GrpoStepReport.class));
    }

    @Test
    void aStatusIsWrittenAndReadUnderTheFieldNamesClientsRead() {
        GrpoSpec spec = GrpoSpec.unset().withDefaults();
        GrpoStatus status = new GrpoStatus(
                "g1",
                "demo-grpo-g1",
                GrpoStatus.SUCCEEDED,
                spec,
                2,
                2,
                0.25,
                0.4,
                16,
                15,
                16,
                3,
                1,
                1,
                5,
                stepReport(),
                List.of("file:///store/demo-grpo-g1/step-0", "file:///store/demo-grpo-g1/step-2"),
                null,
                Instant.parse("2026-01-02T03:04:05Z"),
                Instant.parse("2026-01-02T03:05:06.5Z"),
                1,
                new GrpoStatus.Tasks("/data/tasks.jsonl", 10, 2, 8, 2));
        String json = "{\"id\":\"g1\",\"runId\":\"demo-grpo-g1\",\"state\":\"succeeded\",\"spec\":" + SPEC_JSON
                + ",\"step\":2,\"policyVersion\":2,\"heldOutRewardBefore\":0.25,\"heldOutRewardAfter\":0.4,"
                + "\"heldOutAnsweredBefore\":16,\"heldOutAnsweredAfter\":15,\"heldOutPrompts\":16,\"groupsUsed\":3,"
                + "\"zeroStdGroups\":1,\"staleGroupsDropped\":1,\"lateRewards\":5,\"lastStep\":" + STEP_JSON + ","
                + "\"checkpoints\":[\"file:///store/demo-grpo-g1/step-0\",\"file:///store/demo-grpo-g1/step-2\"],"
                + "\"error\":null,\"startedAt\":\"2026-01-02T03:04:05Z\",\"finishedAt\":\"2026-01-02T03:05:06.500Z\","
                + "\"resumes\":1,\"tasks\":{\"source\":\"/data/tasks.jsonl\",\"loaded\":10,\"rejected\":2,"
                + "\"train\":8,\"heldOut\":2}}";

        assertEquals(json, Json.write(status));
        assertEquals(status, Json.read(json, GrpoStatus.class));
        String before = json.substring(0, json.indexOf(",\"resumes\":1")) + "}";
        assertEquals(0, Json.read(before, GrpoStatus.class).resumes(), "a status from before resumes reads as 0");
        assertNull(Json.read(before, GrpoStatus.class).tasks(), "a status from before user tasks has none");
    }

    @Test
    void theTransitionsOfAStageThatSucceeds() {
        GrpoSpec spec = new GrpoSpec(
                        null, null, 4, 2, null, null, null, null, null, null, null, null, null, null, null, null, null,
                        null)
                .withDefaults();
        GrpoStatus queued = GrpoStatus.queued("g1", "demo-grpo-g1", spec);
        assertEquals(GrpoStatus.QUEUED, queued.state());
        assertEquals(4, queued.heldOutPrompts());
        assertNull(queued.tasks());
        assertEquals(List.of(), queued.checkpoints());
        assertNull(queued.lastStep());
        assertNull(queued.startedAt());

        GrpoStatus running = queued.running().checkpointed("base").before(Double.NaN, 0);
        assertEquals(GrpoStatus.RUNNING, running.state());
        assertNotNull(running.startedAt());
        assertNull(running.heldOutRewardBefore(), "a mean of no rewards is null: JSON has no NaN");
        assertEquals(List.of("base"), running.checkpoints());

        GrpoStatus stepped = running.stepped(stepReport()).stepped(stepReport());
        assertEquals(2, stepped.step());
        assertEquals(6, stepped.groupsUsed(), "totals add up over the steps");
        assertEquals(2, stepped.zeroStdGroups());
        assertEquals(2, stepped.staleGroupsDropped());
        assertEquals(10, stepped.lateRewards());
        assertEquals(stepReport(), stepped.lastStep());

        GrpoStatus done = stepped.checkpointed("last").after(0.5, 3).succeeded();
        assertEquals(GrpoStatus.SUCCEEDED, done.state());
        assertEquals(0.5, done.heldOutRewardAfter());
        assertEquals(3, done.heldOutAnsweredAfter());
        assertEquals(List.of("base", "last"), done.checkpoints());
        assertNull(done.error());
        assertNotNull(done.finishedAt());
        assertThrows(
                UnsupportedOperationException.class, () -> done.checkpoints().add("x"));

        GrpoStatus resumed = stepped.checkpointed("two").failed("killed").resumed(1);
        assertEquals(GrpoStatus.RUNNING, resumed.state());
        assertEquals(1, resumed.resumes());
        assertEquals(running.startedAt(), resumed.startedAt(), "a resumed stage keeps when it started");
        assertNull(resumed.error());
        assertNull(resumed.finishedAt());
        assertEquals(List.of("base", "two"), resumed.checkpoints());
        assertEquals(0, queued.resumes());

        GrpoStatus failed = running.failed("rewards timed out");
        assertEquals(GrpoStatus.FAILED, failed.state());
        assertEquals("rewards timed out", failed.error());
        assertEquals(Json.read(Json.write(failed), GrpoStatus.class), failed);
    }

    @Test
    void aReplyWithoutItsCountsIsMalformed() {
        // the trainer writes every field; a count left out is an error, never a silent 0
        var e = assertThrows(
                MalformedMessageException.class,
                () -> Json.read("{\"id\":\"g1\",\"state\":\"running\",\"step\":1}", GrpoStatus.class));
        assertTrue(e.getMessage().contains("GrpoStatus"), e.getMessage());
    }
}

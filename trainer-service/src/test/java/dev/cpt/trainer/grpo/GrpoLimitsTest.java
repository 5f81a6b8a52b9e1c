package dev.cpt.trainer.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.GrpoSpec;
import dev.cpt.contracts.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A spec's defaults, and the trainer's check of the values against its limits. */
class GrpoLimitsTest {
    private static final GrpoLimits LIMITS = new GrpoLimits(500, 1000, 16);

    private static GrpoSpec empty() {
        return GrpoSpec.unset();
    }

    @Test
    void theDefaultsRun() {
        GrpoSpec spec = empty().withDefaults();
        assertEquals(List.of(), LIMITS.problems(spec));
        assertEquals("arithmetic", spec.task());
        assertEquals(8, spec.groupSize());
    }

    @Test
    void everyProblemIsListedAtOnce() {
        GrpoSpec bad = new GrpoSpec(
                        "poetry", 0, 5, 5000, 1, 2, 0, -0.1, 1.5, 0.0, 0.0, 16, 3L, -1, null, null, null, null)
                .withDefaults();
        List<String> problems = LIMITS.problems(bad);
        for (String field : List.of(
                "task",
                "prompts",
                "steps",
                "groupSize",
                "innerSteps",
                "beta",
                "clipEpsilon",
                "learningRate",
                "temperature",
                "checkpointEverySteps")) {
            assertTrue(problems.stream().anyMatch(p -> p.startsWith(field + " ")), field + " missing in " + problems);
        }
        assertEquals(10, problems.size(), problems.toString());
    }

    @Test
    void aTaskWithTooFewDistinctQuestionsIsRefused() {
        // units has 7 conversions x 9 amounts = 63 distinct questions
        GrpoSpec spec = new GrpoSpec(
                        "units", 60, 10, null, null, null, null, null, null, null, null, null, null, null, null, null,
                        null, null)
                .withDefaults();
        assertTrue(
                LIMITS.problems(spec).stream().anyMatch(p -> p.contains("fewer than 70")),
                LIMITS.problems(spec).toString());
    }

    @Test
    void betaZeroIsAllowed() {
        GrpoSpec spec = new GrpoSpec(
                        null, null, null, null, null, null, null, 0.0, null, null, null, null, null, null, null, null,
                        null, null)
                .withDefaults();
        assertEquals(List.of(), LIMITS.problems(spec));
    }

    @Test
    void theUsersTasksAreCheckedWhenTheSpecIs(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("tasks.jsonl"), "{}\n");
        assertEquals(List.of(), LIMITS.problems(users(file.toString(), null, null, null)));
        assertEquals(List.of(), LIMITS.problems(users(null, true, 10, "Question: {prompt}\nAnswer:")));

        List<String> problems =
                LIMITS.problems(users(dir.resolve("missing.jsonl").toString(), null, 0, "Q:"));
        assertTrue(
                problems.contains("tasksFile '" + dir.resolve("missing.jsonl") + "' does not exist on the trainer"),
                problems.toString());
        assertTrue(problems.contains("heldOutPercent must be in [1, 99], was 0"), problems.toString());
        assertTrue(problems.contains("promptTemplate must contain {prompt}, was 'Q:'"), problems.toString());
        assertEquals(3, problems.size(), problems.toString());

        assertEquals(
                List.of("tasksFile '" + dir + "' is not a regular file the trainer can read"),
                LIMITS.problems(users(dir.toString(), null, null, null)));
        assertEquals(
                List.of("give one of task, tasksFile and tasksTopic, not 2"),
                LIMITS.problems(users(file.toString(), true, null, null)));
    }

    private static GrpoSpec users(String file, Boolean topic, Integer heldOutPercent, String template) {
        Map<String, Object> fields = new HashMap<>();
        fields.put("tasksFile", file);
        fields.put("tasksTopic", topic);
        fields.put("heldOutPercent", heldOutPercent);
        fields.put("promptTemplate", template);
        return Json.MAPPER.convertValue(fields, GrpoSpec.class).withDefaults();
    }
}

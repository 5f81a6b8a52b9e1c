package dev.cpt.trainer.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.GrpoSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

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
        GrpoSpec bad = new GrpoSpec("poetry", 0, 5, 5000, 1, 2, 0, -0.1, 1.5, 0.0, 0.0, 16, 3L, -1).withDefaults();
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
        GrpoSpec spec = new GrpoSpec("units", 60, 10, null, null, null, null, null, null, null, null, null, null, null)
                .withDefaults();
        assertTrue(
                LIMITS.problems(spec).stream().anyMatch(p -> p.contains("fewer than 70")),
                LIMITS.problems(spec).toString());
    }

    @Test
    void betaZeroIsAllowed() {
        GrpoSpec spec = new GrpoSpec(null, null, null, null, null, null, null, 0.0, null, null, null, null, null, null)
                .withDefaults();
        assertEquals(List.of(), LIMITS.problems(spec));
    }
}

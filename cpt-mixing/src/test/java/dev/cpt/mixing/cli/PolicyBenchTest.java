package dev.cpt.mixing.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyBenchTest {
    /** A static ratio on a made-up line: forgetting 1 - r, target 1 + r, the same on both seeds. */
    private static PolicyBench.Row line(double r) {
        return new PolicyBench.Row("static replay=" + r, 1 + r, 1 + r, 1 - r, 0, 0, new double[] {1 + r, 1 + r},
                new double[] {1 - r, 1 - r}, r);
    }

    @Test
    void tuningBisectsToTheRatioNearestTheAgentsForgettingThatForgetsAtLeastAsMuch() {
        List<PolicyBench.Row> rows = new ArrayList<>(List.of(line(0.5), line(0.8)));
        PolicyBench.Row agent = new PolicyBench.Row("agent", 1.6, 1.6, 0.3, 0, 0, new double[] {1.6, 1.6},
                new double[] {0.3, 0.3}, Double.NaN);
        List<Double> tried = new ArrayList<>();
        PolicyBench.Row tuned = PolicyBench.tunedStatic(rows, agent, r -> {
            tried.add(r);
            return line(r);
        });
        // 0.5 .. 0.8 halved four times; 0.725 and 0.7063 (rounded) forget less than the agent's 0.3
        assertEquals(List.of(0.65, 0.725, 0.6875, 0.7063), tried);
        assertEquals(0.6875, tuned.replay(), 1e-12);
        assertTrue(tuned.forgetting() >= agent.forgetting());
    }

    @Test
    void noRatioForgettingAsMuchAsTheAgentGivesNoTunedRatio() {
        // the search goes below the sweep (0.25, 0.125, 0.0625, 0.0313) and none forgets 0.99
        PolicyBench.Row agent = new PolicyBench.Row("agent", 1, 1, 0.99, 0, 0, new double[] {1}, new double[] {0.99},
                Double.NaN);
        assertNull(PolicyBench.tunedStatic(new ArrayList<>(List.of(line(0.5))), agent, r -> line(r)));
    }
}

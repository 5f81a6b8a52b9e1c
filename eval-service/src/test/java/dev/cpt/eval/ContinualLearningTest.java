package dev.cpt.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cpt.contracts.EvalReport.ContinualMetrics;
import dev.cpt.contracts.EvalReport.Phase;
import dev.cpt.contracts.EvalReport.StabilityGap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A hand-made run: an untrained base at step 0, phase 0 = general (step 10), phase 1 = arithmetic (steps 20-30),
 * phase 2 = units (step 40). Every expected value below is worked out by hand from the table in the comments.
 */
class ContinualLearningTest {
    private static final double EPS = 1e-12;

    //            step  tokens                         g     a     u
    static final List<RunPoint> RUN = List.of(
            point(0, Map.of(), 5.0, 5.2, 5.4), // base b
            point(10, Map.of("g", 100L), 3.0, 4.8, 5.1), // R[0]
            point(20, Map.of("g", 100L, "a", 50L), 3.6, 3.5, 5.0),
            point(30, Map.of("g", 100L, "a", 100L), 3.1, 2.9, 4.9), // R[1]
            point(40, Map.of("g", 100L, "a", 100L, "u", 50L), 3.3, 3.4, 3.0)); // R[2] (latest)

    static RunPoint point(long step, Map<String, Long> tokens, double g, double a, double u) {
        return new RunPoint(step, tokens, Map.of("g", g, "a", a, "u", u));
    }

    @Test
    void phasesFollowTheFirstNonZeroTokensOfEachDomain() {
        assertEquals(
                List.of(
                        new Phase(0, List.of("g"), 10, 10),
                        new Phase(1, List.of("a"), 20, 30),
                        new Phase(2, List.of("u"), 40, 40)),
                PhaseInference.phases(RUN));
    }

    @Test
    void theMatrixAndTransferMetricsMatchTheFormulas() {
        ContinualMetrics m = ContinualLearning.compute(RUN, 0.15);

        assertEquals(0, m.baseStep());
        assertEquals(
                List.of(10L, 30L, 40L), m.matrix().stream().map(r -> r.step()).toList());
        assertEquals(4.8, m.matrix().get(0).losses().get("a"), EPS);
        assertEquals(2.9, m.matrix().get(1).losses().get("a"), EPS);
        // BWT = mean(R[0][g] - R[2][g], R[1][a] - R[2][a]) = mean(3.0 - 3.3, 2.9 - 3.4) = mean(-0.3, -0.5) = -0.4
        assertEquals(-0.4, m.backwardTransfer(), 1e-9);
        // FWT = mean(b[a] - R[0][a], b[u] - R[1][u]) = mean(5.2 - 4.8, 5.4 - 4.9) = mean(0.4, 0.5) = 0.45
        assertEquals(0.45, m.forwardTransfer(), 1e-9);
        // forgetting = latest - best so far: g 3.3 - 3.0, a 3.4 - 2.9, u 3.0 - 3.0
        assertEquals(0.3, m.forgetting().get("g"), 1e-9);
        assertEquals(0.5, m.forgetting().get("a"), 1e-9);
        assertEquals(0.0, m.forgetting().get("u"), 1e-9);
        // vs base: g 3.3 - 5.0, a 3.4 - 5.2, u 3.0 - 5.4
        assertEquals(-1.7, m.forgettingVsBase().get("g"), 1e-9);
        assertEquals(-1.8, m.forgettingVsBase().get("a"), 1e-9);
        assertEquals(-2.4, m.forgettingVsBase().get("u"), 1e-9);
    }

    @Test
    void theStabilityGapIsTheDropAfterAPhaseStartsAndTheStepsToRecover() {
        List<StabilityGap> gaps = ContinualLearning.compute(RUN, 0.15).stabilityGaps();

        // Phase 1 on g, reference R[0][g] = 3.0 at step 10: 3.6 at step 20 (depth 0.6), 3.1 <= 3.0 + 0.15 at step 30.
        assertEquals(new StabilityGap(1, "g", 10, 0.6, 20, 20L), round(gaps.get(0)));
        // Phase 2, reference R[1] at step 30: g 3.3 - 3.1 = 0.2 and a 3.4 - 2.9 = 0.5 at step 40, not recovered yet.
        assertEquals(new StabilityGap(2, "g", 30, 0.2, 40, null), round(gaps.get(1)));
        assertEquals(new StabilityGap(2, "a", 30, 0.5, 40, null), round(gaps.get(2)));
        assertEquals(3, gaps.size());
    }

    @Test
    void aDropWithinToleranceRecoversAtOnce() {
        var run = List.of(point(0, Map.of("g", 10L), 3.0, 5, 5), point(5, Map.of("g", 10L, "a", 5L), 3.05, 4, 5));
        assertEquals(
                new StabilityGap(1, "g", 0, 0.05, 5, 0L),
                round(ContinualLearning.compute(run, 0.1).stabilityGaps().get(0)));
    }

    @Test
    void withoutAStepZeroCheckpointTheFirstReportIsTheBaseAndOnePhaseHasNoTransfer() {
        var run = List.of(point(10, Map.of("g", 100L), 4.0, 5.0, 5.0), point(20, Map.of("g", 200L), 3.5, 5.1, 5.0));
        ContinualMetrics m = ContinualLearning.compute(run, 0.1);
        assertEquals(10, m.baseStep());
        assertEquals(-0.5, m.forgettingVsBase().get("g"), 1e-9);
        assertEquals(0.1, m.forgetting().get("a"), 1e-9);
        assertNull(m.backwardTransfer());
        assertNull(m.forwardTransfer());
        assertEquals(List.of(new Phase(0, List.of("g"), 10, 20)), m.phases());
    }

    @Test
    void aLossMissingFromTheMatrixIsLeftOutOfTheMeans() {
        var run = List.of(
                new RunPoint(0, Map.of(), Map.of("g", 5.0)),
                new RunPoint(10, Map.of("g", 1L), Map.of("g", 3.0)),
                new RunPoint(20, Map.of("g", 1L, "a", 1L), Map.of("g", 3.2, "a", 4.0)));
        ContinualMetrics m = ContinualLearning.compute(run, 0.1);
        assertEquals(-0.2, m.backwardTransfer(), 1e-9);
        assertNull(m.forwardTransfer()); // neither b[a] nor R[0][a] is known
    }

    private static StabilityGap round(StabilityGap g) {
        return new StabilityGap(
                g.phase(),
                g.domain(),
                g.phaseStartStep(),
                Math.round(g.depth() * 1e9) / 1e9,
                g.peakStep(),
                g.recoverySteps());
    }
}

package dev.cpt.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.EvalReport.GateDecision;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PromotionGateTest {
    private final PromotionGate gate = new PromotionGate(0.01, 0.05);
    private final PromotionGate.Reference base = new PromotionGate.Reference(0, false, Map.of("g", 5.0, "a", 5.2));
    private final PromotionGate.Reference release = new PromotionGate.Reference(30, true, Map.of("g", 3.0, "a", 2.9));

    @Test
    void aCheckpointThatLearnsWithoutForgettingIsReleased() {
        GateDecision d = gate.decide(20, Map.of("g", 3.04, "a", 3.5), List.of("a"), Set.of("g", "a"), base);
        assertTrue(d.released(), d.reason());
        assertEquals(1.7, d.targetImprovement(), 1e-9);
        assertEquals(-1.96, d.protectedRegressions().get("g"), 1e-9);
        assertFalse(d.regression());
        assertEquals(20L, d.lastGoodReleaseStep());
        assertFalse(d.referenceIsRelease());
    }

    @Test
    void aCheckpointThatForgetsAProtectedDomainIsBlockedAndRaisesTheRegressionAlert() {
        GateDecision d = gate.decide(40, Map.of("g", 3.2, "a", 2.5), List.of("a"), Set.of("g", "a"), release);
        assertFalse(d.released());
        assertTrue(d.reason().contains("protected g regressed 0.2000 > 0.0500"), d.reason());
        assertTrue(d.regression());
        assertEquals(30L, d.lastGoodReleaseStep());
        assertEquals(30, d.referenceStep());
    }

    @Test
    void aRegressionJustWithinTheMarginStillReleases() {
        GateDecision d = gate.decide(40, Map.of("g", 3.049, "a", 2.8), List.of("a"), Set.of("g", "a"), release);
        assertTrue(d.released(), d.reason());
        assertFalse(d.regression());
    }

    @Test
    void tooSmallATargetGainIsBlockedWithoutAnAlert() {
        GateDecision d = gate.decide(40, Map.of("g", 3.0, "a", 2.895), List.of("a"), Set.of("g", "a"), release);
        assertFalse(d.released());
        assertTrue(d.reason().contains("improved 0.0050 < 0.0100"), d.reason());
        assertFalse(d.regression());
        assertEquals(30L, d.lastGoodReleaseStep());
    }

    @Test
    void aTargetWithoutAComparableLossOrNoTrainingOrTheReferenceItselfIsNotReleased() {
        assertFalse(gate.decide(40, Map.of("g", 3.0), List.of("a"), Set.of("g", "a"), release)
                .released());
        GateDecision untrained = gate.decide(5, Map.of("g", 5.0), List.of(), Set.of(), base);
        assertFalse(untrained.released());
        assertEquals("no domain trained yet", untrained.reason());
        GateDecision itself = gate.decide(0, Map.of("g", 5.0), List.of("g"), Set.of("g"), base);
        assertFalse(itself.released());
        assertNull(itself.lastGoodReleaseStep());
    }

    @Test
    void aTargetThatRegressesAfterAReleaseIsAlsoARegression() {
        GateDecision d = gate.decide(50, Map.of("g", 3.0, "a", 3.0), List.of("a"), Set.of("g", "a"), release);
        assertFalse(d.released());
        assertTrue(d.regression(), d.reason());
    }
}

package dev.cpt.mixing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PhaseTrackerTest {
    private static MixingState state(
            List<String> arrival, long generalTrained, long targetTrained, long targetFresh, double targetShare) {
        String target = arrival.get(arrival.size() - 1);
        Map<String, Long> trained = target.equals("general")
                ? Map.of("general", generalTrained)
                : Map.of("general", generalTrained, target, targetTrained);
        return new MixingState(
                0,
                arrival,
                Map.of(target, Math.max(1, targetFresh)),
                Map.of(target, targetFresh),
                trained,
                targetShare > 0 ? Map.of(target, targetShare) : Map.of(),
                List.of());
    }

    @Test
    void dataThatArrivedAtOnceMeasuresThePhase() {
        PhaseTracker phase = new PhaseTracker();
        phase.update(state(List.of("general", "units"), 1000, 0, 900, 0));
        // 300 tokens trained since units arrived, 180 of them units at a share of 0.6; 720 fresh units tokens are
        // left, which take 720 / 0.6 = 1200 more tokens at that mix
        MixingState later = state(List.of("general", "units"), 1120, 180, 720, 0.6);
        assertEquals(1500, phase.expectedTokens(later), 1e-9);
        assertEquals(300.0 / 1500, phase.progress(later, 0), 1e-12);
    }

    @Test
    void aTargetWithoutAShareYetCountsItsFreshTokensOnce() {
        PhaseTracker phase = new PhaseTracker();
        MixingState arrived = state(List.of("general", "units"), 1000, 0, 900, 0);
        phase.update(arrived);
        assertEquals(900, phase.expectedTokens(arrived), 1e-9);
        assertEquals(0, phase.progress(arrived, 0), 1e-12);
    }

    @Test
    void aTricklingPhaseIsExpectedToLastAsLongAsTheEarlierOnesAndStaysBelowOneWhenItOutlastsThem() {
        PhaseTracker phase = new PhaseTracker();
        phase.update(state(List.of("general"), 0, 0, 50, 0));
        phase.update(state(List.of("general", "a"), 2000, 0, 50, 0)); // the general phase lasted 2000 tokens
        phase.update(thirdPhase(Map.of("general", 2400L, "a", 600L), Map.of())); // a lasted 1000: the past says 1500
        MixingState early = thirdPhase(Map.of("general", 2600L, "a", 700L, "b", 200L), Map.of("b", 0.5));
        assertEquals(1500, phase.expectedTokens(early), 1e-9);
        assertEquals(500.0 / 1500, phase.progress(early, 0), 1e-12);

        MixingState overdue = thirdPhase(Map.of("general", 3500L, "a", 1000L, "b", 1500L), Map.of("b", 0.5));
        // 3000 tokens into a phase expected to last 1500: the data at hand (3000 + 10 / 0.5) is the estimate now
        assertEquals(3020, phase.expectedTokens(overdue), 1e-9);
        double progress = phase.progress(overdue, 0);
        assertTrue(progress > 0.99 && progress < 1, "progress " + progress);
    }

    /** A state of the phase of b, after general and a, with 10 fresh b tokens. */
    private static MixingState thirdPhase(Map<String, Long> trained, Map<String, Double> previousWeights) {
        return new MixingState(
                0,
                List.of("general", "a", "b"),
                Map.of("b", 10L),
                Map.of("b", 10L),
                trained,
                previousWeights,
                List.of());
    }

    @Test
    void aGivenHorizonReplacesTheEstimate() {
        PhaseTracker phase = new PhaseTracker();
        phase.update(state(List.of("general", "units"), 1000, 0, 900, 0));
        MixingState later = state(List.of("general", "units"), 1120, 180, 720, 0.6);
        assertEquals(0.3, phase.progress(later, 1000), 1e-12);
        assertEquals(1, phase.progress(later, 100), 1e-12);
    }

    @Test
    void thePhaseStartIsFoundByTokensSoATrimmedHistoryAndALateEvalGiveTheSameStartLoss() {
        EvalFeedback old = new EvalFeedback(1, Map.of("general", 500L), Map.of("general", 3.0));
        EvalFeedback atStart = new EvalFeedback(2, Map.of("general", 1000L), Map.of("general", 2.5));
        EvalFeedback later = new EvalFeedback(3, Map.of("general", 1100L, "units", 200L), Map.of("general", 2.6));
        PhaseTracker phase = new PhaseTracker();
        // units arrives before the eval of the checkpoint at its start has come back
        phase.update(new MixingState(
                0, List.of("general", "units"), Map.of(), Map.of(), Map.of("general", 1000L), Map.of(), List.of(old)));
        List<EvalFeedback> all = List.of(old, atStart, later);
        assertEquals(2.5, phase.startLoss(all, "general").orElseThrow(), 1e-12);
        assertEquals(List.of(later), phase.sinceStart(all));
        // the same history with its oldest entries trimmed away
        List<EvalFeedback> trimmed = List.of(atStart, later);
        assertEquals(2.5, phase.startLoss(trimmed, "general").orElseThrow(), 1e-12);
        assertEquals(List.of(later), phase.sinceStart(trimmed));
        // nothing left from before the start: the first eval after it stands in
        assertEquals(2.6, phase.startLoss(List.of(later), "general").orElseThrow(), 1e-12);
    }
}

package dev.cpt.mixing.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cpt.mixing.AgentPolicy;
import dev.cpt.mixing.EvalFeedback;
import dev.cpt.mixing.MixingState;
import dev.cpt.mixing.PhaseTracker;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeaturesTest {
    private static final List<String> ARRIVAL = List.of("general", "arithmetic", "units");
    private static final Map<String, Long> AVAILABLE = Map.of("general", 9L, "arithmetic", 9L, "units", 9L);
    private static final EvalFeedback START = new EvalFeedback(
            0, Map.of("general", 1000L, "arithmetic", 500L), Map.of("general", 2.0, "arithmetic", 1.5, "units", 4.0));

    @Test
    void featuresAreRelativeLossChangesPerSlotPreviousSharesAndProgress() {
        PhaseTracker phase = new PhaseTracker();
        Map<String, Long> trainedAtStart = Map.of("general", 1000L, "arithmetic", 500L, "units", 0L);
        phase.update(new MixingState(0, ARRIVAL, AVAILABLE, Map.of(), trainedAtStart, Map.of(), List.of(START)));
        Map<String, Long> trained = Map.of("general", 1100L, "arithmetic", 600L, "units", 300L);
        EvalFeedback after = new EvalFeedback(1, trained, Map.of("general", 2.2, "arithmetic", 1.8, "units", 3.0));
        MixingState state = new MixingState(
                1,
                ARRIVAL,
                AVAILABLE,
                Map.of(),
                trained,
                Map.of("units", 0.6, "general", 0.2, "arithmetic", 0.2),
                List.of(START, after));
        Features.View v = Features.of(state, phase, 1000);
        assertArrayEquals(
                new double[] {
                    1,
                    0.6,
                    -0.25,
                    -0.25, // target: (3.0 - 4.0) / 4.0 since the start and over the last eval
                    1,
                    0.2,
                    0.1,
                    0.1, // upstream: (2.2 - 2.0) / 2.0
                    1,
                    0.2,
                    0.2,
                    0.2, // earlier: (1.8 - 1.5) / 1.5
                    0.5 // 500 of 1000 horizon tokens since the phase began
                },
                v.features(),
                1e-12);
        assertArrayEquals(new double[] {3.0, 2.2, 1.8}, v.slotLoss(), 1e-12);
        assertArrayEquals(new double[] {4.0, 2.0, 1.5}, v.slotStartLoss(), 1e-12);
    }

    @Test
    void agentTurnsSlotLogitsIntoWeightsOverTheSlotsWithData() {
        // logits (ln 3, 0, *): the target gets 3/4, general 1/4; the empty earlier slot gets nothing
        AgentPolicy two = new AgentPolicy(Nets.artifact(Nets.constant(Math.log(3), 0, 5)), 1000);
        Map<String, Double> w = two.weights(new MixingState(
                0,
                List.of("general", "units"),
                Map.of("general", 9L, "units", 9L),
                Map.of(),
                Map.of(),
                Map.of(),
                List.of()));
        assertEquals(0.75, w.get("units"), 1e-6);
        assertEquals(0.25, w.get("general"), 1e-6);
        // logits (0, 0, ln 2) over general, a, b -> target c: 1/4 each for c and general, 1/2 pooled over a and b
        AgentPolicy four = new AgentPolicy(Nets.artifact(Nets.constant(0, 0, Math.log(2))), 1000);
        Map<String, Double> w4 = four.weights(new MixingState(
                0,
                List.of("general", "a", "b", "c"),
                Map.of("general", 9L, "a", 9L, "b", 9L, "c", 9L),
                Map.of(),
                Map.of(),
                Map.of(),
                List.of()));
        w4.values().forEach(x -> assertEquals(0.25, x, 1e-6));
        // the target without data: its slot is masked, the rest is renormalised
        Map<String, Double> w3 = four.weights(new MixingState(
                1,
                List.of("general", "a", "b", "c"),
                Map.of("general", 9L, "a", 9L, "b", 9L),
                Map.of(),
                Map.of(),
                Map.of(),
                List.of()));
        assertEquals(1.0 / 3, w3.get("general"), 1e-6);
        assertEquals(1.0 / 3, w3.get("a"), 1e-6);
        assertEquals(3, w3.size());
    }

    @Test
    void aTargetFloorRaisesTheTargetAndScalesTheOtherSlotsDownInTheirRatio() {
        MixingState state = new MixingState(
                0,
                List.of("general", "a", "c"),
                Map.of("general", 9L, "a", 9L, "c", 9L),
                Map.of(),
                Map.of(),
                Map.of(),
                List.of());
        // logits (0, ln 20, ln 30): the network gives c 1/51, general 20/51, a 30/51; the floor lifts c to 0.1 and
        // leaves 0.9 to general and a in the ratio 2:3
        PolicyNet starving = Nets.constant(0, Math.log(20), Math.log(30));
        Map<String, Double> floored = new AgentPolicy(Nets.artifact(starving, 0.1), 1000).weights(state);
        assertEquals(0.1, floored.get("c"), 1e-6);
        assertEquals(0.36, floored.get("general"), 1e-6);
        assertEquals(0.54, floored.get("a"), 1e-6);
        Map<String, Double> bare = new AgentPolicy(Nets.artifact(starving, 0), 1000).weights(state);
        assertEquals(1.0 / 51, bare.get("c"), 1e-6);
        // a target above the floor keeps what the network gives it
        Map<String, Double> above =
                new AgentPolicy(Nets.artifact(Nets.constant(Math.log(3), 0, 0), 0.1), 1000).weights(state);
        assertEquals(0.6, above.get("c"), 1e-6);
        assertEquals(0.2, above.get("general"), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> Nets.artifact(starving, 1.0));
        assertEquals(
                "agent test (target floor 0.1, phase length from the stream)",
                new AgentPolicy(Nets.artifact(starving, 0.1), 0).description());
    }
}

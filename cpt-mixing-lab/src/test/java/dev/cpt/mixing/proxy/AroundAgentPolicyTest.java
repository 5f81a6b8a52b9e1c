package dev.cpt.mixing.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.cpt.mixing.MixingState;
import dev.cpt.mixing.agent.AgentArtifact;
import dev.cpt.mixing.agent.Nets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AroundAgentPolicyTest {
    private static final AgentArtifact AGENT = Nets.artifact(Nets.constant(0.5, -0.2, 0.1));

    private static MixingState phase(List<String> arrival) {
        Map<String, Long> available = new java.util.TreeMap<>();
        arrival.forEach(d -> available.put(d, 1_000L));
        return new MixingState(0, arrival, available, Map.of(), Map.of(), Map.of(), List.of());
    }

    @Test
    void thePhaseOffsetHoldsForThePhaseAndIsDrawnAgainForTheNext() {
        AroundAgentPolicy p = new AroundAgentPolicy(AGENT, 3, 0, 1.0, false, 5_000);
        MixingState first = phase(List.of("general", "a"));
        p.weights(first);
        double[] round0 = p.lastLogits();
        p.weights(first);
        assertArrayEquals(round0, p.lastLogits(), 1e-12, "no per-round noise: the same logits all phase");
        p.weights(phase(List.of("general", "a", "b")));
        assertNotEquals(round0[0], p.lastLogits()[0], "a new target draws a new offset");
    }

    @Test
    void antitheticTwinExploresTheOppositeDirection() {
        MixingState state = phase(List.of("general", "a"));
        double[] mean = AGENT.net().logits(new double[dev.cpt.mixing.agent.Features.SIZE]);
        for (int round = 0; round < 3; round++) {
            AroundAgentPolicy plus = new AroundAgentPolicy(AGENT, 7, 0.3, 0.8, false, 5_000);
            AroundAgentPolicy minus = new AroundAgentPolicy(AGENT, 7, 0.3, 0.8, true, 5_000);
            for (int r = 0; r <= round; r++) {
                plus.weights(state);
                minus.weights(state);
            }
            for (int s = 0; s < mean.length; s++) {
                assertEquals(
                        2 * mean[s],
                        plus.lastLogits()[s] + minus.lastLogits()[s],
                        1e-9,
                        "round " + round + " slot " + s + ": offsets and noise are negated");
            }
            assertNotEquals(plus.lastLogits()[0], minus.lastLogits()[0]);
        }
    }
}

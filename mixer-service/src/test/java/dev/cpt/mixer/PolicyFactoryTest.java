package dev.cpt.mixer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.mixing.MixingPolicy;
import dev.cpt.mixing.MixingState;
import dev.cpt.mixing.Policies;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyFactoryTest {

    /** A policy found by class name, given its parameters. */
    public static final class HalfPolicy implements MixingPolicy {
        private final String domain;

        public HalfPolicy(Map<String, String> params) {
            this.domain = params.get("domain");
        }

        @Override
        public String name() {
            return "half";
        }

        @Override
        public Map<String, Double> weights(MixingState state) {
            return Map.of(domain, 1.0);
        }
    }

    @Test
    void uniformIsBuiltIn() {
        MixingPolicy policy = PolicyFactory.create("uniform", Map.of());
        var state = new MixingState(
                0, List.of("a", "b"), Map.of("a", 10L, "b", 5L), Map.of(), Map.of(), Map.of(), List.of());
        assertEquals("uniform", policy.name());
        assertEquals(Map.of("a", 0.5, "b", 0.5), policy.weights(state));
    }

    @Test
    void aClassNameIsInstantiatedWithItsParameters() {
        MixingPolicy policy = PolicyFactory.create(HalfPolicy.class.getName(), Map.of("domain", "law"));
        var state = new MixingState(0, List.of("law"), Map.of("law", 10L), Map.of(), Map.of(), Map.of(), List.of());
        assertEquals(Map.of("law", 1.0), policy.weights(state));
    }

    @Test
    void everyCptMixingPolicyIsCreatedByNameAndStaysOnTheSimplex() {
        var state = new MixingState(
                3,
                List.of("general", "law"),
                Map.of("general", 4096L, "law", 8192L),
                Map.of("law", 8192L),
                Map.of("general", 20_000L, "law", 1_000L),
                Map.of("general", 0.5, "law", 0.5),
                List.of());
        for (String name : Policies.NAMES) {
            MixingPolicy policy = PolicyFactory.create(name, Map.of());
            Map<String, Double> weights = policy.weights(state);
            assertTrue(state.availableTokens().keySet().containsAll(weights.keySet()), name + ": " + weights);
            assertEquals(
                    1.0,
                    weights.values().stream().mapToDouble(Double::doubleValue).sum(),
                    1e-9,
                    name + ": " + weights);
            assertTrue(weights.values().stream().allMatch(w -> w >= 0), name + ": " + weights);
        }
    }

    @Test
    void anUnknownPolicyIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class, () -> PolicyFactory.create("no-such-policy", Map.of()));
        assertTrue(e.getMessage().contains("no-such-policy"), e.getMessage());
    }
}

package dev.cpt.mixing.rounds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WeightsCheckTest {
    private static final Set<String> AVAILABLE = Set.of("a", "b");

    @Test
    void validWeightsPassWithZerosDropped() {
        var checked = WeightsCheck.check(Map.of("a", 1.0, "b", 0.0, "gone", 0.0), AVAILABLE);
        assertFalse(checked.fallback());
        assertEquals(Map.of("a", 1.0), checked.weights());
    }

    @Test
    void invalidWeightsFallBackToUniformOverTheDomainsWithData() {
        Map<String, Double> withNull = new HashMap<>();
        withNull.put("a", null);
        for (Map<String, Double> bad : new Map[] {
            Map.of(),
            Map.of("a", 0.7, "b", 0.7),
            Map.of("a", -0.5, "b", 1.5),
            Map.of("a", Double.NaN, "b", 1.0),
            Map.of("a", 0.5, "c", 0.5),
            withNull
        }) {
            var checked = WeightsCheck.check(bad, AVAILABLE);
            assertTrue(checked.fallback(), bad.toString());
            assertEquals(Map.of("a", 0.5, "b", 0.5), checked.weights());
        }
        assertTrue(WeightsCheck.check(null, AVAILABLE).fallback());
    }
}

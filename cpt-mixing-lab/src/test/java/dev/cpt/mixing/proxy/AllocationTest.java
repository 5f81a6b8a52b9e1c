package dev.cpt.mixing.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AllocationTest {
    private static Map<String, Double> replay(double ratio) {
        return Map.of("units", 1 - ratio, "general", ratio / 2, "arithmetic", ratio / 2);
    }

    /** Counts summed over {@code rounds} rounds of 40 sequences, checking each round sums to 40. */
    private static Map<String, Integer> over(int rounds, Map<String, Double> weights) {
        Allocation allocation = new Allocation();
        Map<String, Integer> sum = new TreeMap<>();
        for (int r = 0; r < rounds; r++) {
            Map<String, Integer> counts = allocation.counts(weights, 40);
            assertEquals(
                    40, counts.values().stream().mapToInt(Integer::intValue).sum());
            counts.forEach((d, n) -> sum.merge(d, n, Integer::sum));
        }
        return sum;
    }

    @Test
    void runCountsStayWithinOneSequenceOfTheExactShares() {
        Map<String, Double> weights = replay(0.7696);
        Map<String, Integer> sum = over(8, weights);
        weights.forEach((d, w) -> assertEquals(w * 320, sum.get(d), 1.0, d));
    }

    @Test
    void ratiosBetweenMultiplesOfAFortiethNoLongerCollapse() {
        // rounded round by round, 0.74, 0.75 and 0.76 all trained 10 units / 15 / 15 sequences
        assertNotEquals(over(8, replay(0.74)), over(8, replay(0.75)));
        assertNotEquals(over(8, replay(0.76)), over(8, replay(0.75)));
        assertEquals(Map.of("arithmetic", 120, "general", 120, "units", 80), over(8, replay(0.75)));
    }

    @Test
    void aDomainWithoutWeightGetsNothingEvenAfterBeingOwed() {
        Allocation allocation = new Allocation();
        allocation.counts(Map.of("units", 0.51, "general", 0.49), 40);
        Map<String, Integer> counts = allocation.counts(Map.of("units", 0.0, "general", 1.0), 40);
        assertEquals(0, counts.get("units"));
        assertEquals(40, counts.get("general"));
    }

    @Test
    void aNewDomainStartsWithNothingOwed() {
        Allocation allocation = new Allocation();
        allocation.counts(Map.of("arithmetic", 0.51, "general", 0.49), 40);
        Map<String, Integer> counts = allocation.counts(Map.of("arithmetic", 0.25, "general", 0.25, "units", 0.5), 40);
        assertEquals(Map.of("arithmetic", 10, "general", 10, "units", 20), counts);
        assertTrue(counts.values().stream().allMatch(n -> n >= 0));
    }
}

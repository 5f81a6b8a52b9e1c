package dev.cpt.mixing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ApportionmentTest {

    @Test
    void countsFollowTheWeightsByLargestRemainder() {
        var counts = Apportionment.counts(
                Map.of("a", 0.5, "b", 0.3, "c", 0.2), Map.of(), Map.of("a", 10, "b", 10, "c", 10), 8);
        // exact shares 4.0, 2.4, 1.6: floors 4, 2, 1, and the spare sequence goes to the largest remainder (c)
        assertEquals(Map.of("a", 4, "b", 2, "c", 2), counts);
    }

    @Test
    void aDomainShortOfSequencesLeavesItsShareToTheOthers() {
        var counts = Apportionment.counts(Map.of("a", 0.5, "b", 0.5), Map.of(), Map.of("a", 1, "b", 10), 8);
        assertEquals(Map.of("a", 1, "b", 7), counts);
    }

    @Test
    void neverMoreThanIsAvailableInAll() {
        var counts = Apportionment.counts(Map.of("a", 1.0), Map.of(), Map.of("a", 3), 8);
        assertEquals(Map.of("a", 3), counts);
    }

    @Test
    void whatEarlierRoundsOweIsAddedToThisRoundsShare() {
        // replay 0.3 of 8 is 2.4 sequences: with 0.8 owed from earlier rounds it is 3.2, so 3 this round
        var counts = Apportionment.counts(
                Map.of("new", 0.7, "general", 0.3),
                Map.of("new", -0.8, "general", 0.8),
                Map.of("new", 10, "general", 10),
                8);
        assertEquals(Map.of("new", 5, "general", 3), counts);
    }

    @Test
    void debtsThatWouldOverfillTheRoundAreScaledDown() {
        var counts = Apportionment.counts(
                Map.of("a", 0.5, "b", 0.5), Map.of("a", 1.0, "b", 1.0), Map.of("a", 10, "b", 10), 8);
        assertEquals(8, counts.values().stream().mapToInt(Integer::intValue).sum());
    }
}

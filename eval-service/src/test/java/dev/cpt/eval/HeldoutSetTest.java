package dev.cpt.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.Document;
import dev.cpt.contracts.DomainScore;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HeldoutSetTest {

    private static Document doc(String id, String domain, int[] tokens) {
        return new Document(id, domain, "t", "bytes", tokens, "test", Instant.now());
    }

    @Test
    void eachDomainIsScoredOnItsOwnDocumentsAndOneWithoutATargetTokenHasNone() {
        var set = new HeldoutSet(64);
        set.add(doc("long", "law", IntStream.range(0, 150).map(i -> i % 200).toArray()));
        int[] shortDoc = {10, 20, 30, 40};
        set.add(doc("short", "med", shortDoc));
        set.add(doc("one", "tax", new int[] {5}));

        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 7)) { // context 64
            Map<String, DomainScore> scores = set.snapshot().scoredBy(model);

            assertEquals(Set.of("law", "med"), scores.keySet());
            assertEquals(149, scores.get("law").tokens());
            assertEquals(3, scores.get("med").tokens());
            double direct = model.sequenceLosses(new int[][] {shortDoc})[0];
            assertEquals(direct, scores.get("med").loss(), 1e-6);
        }
    }

    @Test
    void theSetHashNamesItsDocumentsAndIgnoresRedelivery() {
        var a = new HeldoutSet(64);
        a.add(doc("1", "law", new int[] {1, 2}));
        String before = a.snapshot().sha256();
        a.add(doc("1", "law", new int[] {1, 2}));
        assertEquals(before, a.snapshot().sha256());
        a.add(doc("2", "law", new int[] {3, 4}));
        assertNotEquals(before, a.snapshot().sha256());
        assertEquals(2, a.snapshot().size());
    }

    @Test
    void aDomainFreezesAtItsCapacityKeepingTheFirstDocumentsInArrivalOrder() {
        var set = new HeldoutSet(2);
        set.add(doc("z", "law", new int[] {1, 2}));
        set.add(doc("a", "law", new int[] {3, 4}));
        set.add(doc("m", "med", new int[] {5, 6}));
        var before = set.snapshot();
        assertTrue(before.sets().get("law").frozen());
        assertFalse(before.sets().get("med").frozen());

        assertFalse(set.add(doc("b", "law", new int[] {7, 8})));
        var after = set.snapshot();
        assertEquals(before.sets().get("law").sha256(), after.sets().get("law").sha256());
        assertArrayEquals(new int[] {1, 2}, after.sets().get("law").documents().get(0)); // arrival order, not id order
        assertEquals(2, after.sets().get("law").documents().size());

        set.add(doc("n", "med", new int[] {9, 10}));
        assertNotEquals(
                before.sets().get("med").sha256(),
                set.snapshot().sets().get("med").sha256());
        assertNotEquals(before.sha256(), set.snapshot().sha256());
    }

    @Test
    void theSameDocumentsInAnotherOrderOrWithOtherTokensAreAnotherSet() {
        var one = new HeldoutSet(8);
        one.add(doc("1", "law", new int[] {1, 2}));
        one.add(doc("2", "law", new int[] {3, 4}));
        var other = new HeldoutSet(8);
        other.add(doc("2", "law", new int[] {3, 4}));
        other.add(doc("1", "law", new int[] {1, 2}));
        var changed = new HeldoutSet(8);
        changed.add(doc("1", "law", new int[] {1, 2}));
        changed.add(doc("2", "law", new int[] {3, 5}));
        assertNotEquals(one.snapshot().sha256(), other.snapshot().sha256());
        assertNotEquals(one.snapshot().sha256(), changed.snapshot().sha256());
    }
}

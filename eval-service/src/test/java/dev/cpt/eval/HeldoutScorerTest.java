package dev.cpt.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.cpt.contracts.Document;
import dev.cpt.contracts.DomainScore;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import java.time.Instant;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HeldoutScorerTest {

    private static Document doc(String id, String domain, int[] tokens) {
        return new Document(id, domain, "t", "bytes", tokens, "test", Instant.now());
    }

    @Test
    void everyTargetTokenOfALongDocumentCountsOnceAndAShortOneMatchesTheModel() {
        var set = new HeldoutSet();
        set.add(doc("long", "law", IntStream.range(0, 150).map(i -> i % 200).toArray()));
        int[] shortDoc = {10, 20, 30, 40};
        set.add(doc("short", "med", shortDoc));

        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 7)) { // context 64
            Map<String, DomainScore> scores = HeldoutScorer.score(model, set.snapshot());

            assertEquals(149, scores.get("law").tokens());
            assertEquals(3, scores.get("med").tokens());
            double direct = model.sequenceLosses(new int[][] {shortDoc})[0];
            assertEquals(direct, scores.get("med").loss(), 1e-6);
            assertEquals(Math.exp(direct), scores.get("med").perplexity(), 1e-6);
        }
    }

    @Test
    void theSetHashNamesItsDocumentsAndIgnoresRedelivery() {
        var a = new HeldoutSet();
        a.add(doc("1", "law", new int[] {1, 2}));
        String before = a.snapshot().sha256();
        a.add(doc("1", "law", new int[] {1, 2}));
        assertEquals(before, a.snapshot().sha256());
        a.add(doc("2", "law", new int[] {3, 4}));
        assertNotEquals(before, a.snapshot().sha256());
        assertEquals(2, a.snapshot().size());
    }
}

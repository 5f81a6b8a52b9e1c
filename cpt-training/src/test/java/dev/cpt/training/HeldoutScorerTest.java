package dev.cpt.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cpt.contracts.DomainScore;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HeldoutScorerTest {

    @Test
    void aLongDocumentIsCutIntoWindowsOverlappingByOneTokenSoEveryTargetCountsOnce() {
        int[] longDoc = IntStream.range(0, 150).map(i -> i % 200).toArray();
        int[] shortDoc = {10, 20, 30, 40};
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 7)) { // context 64: windows of 65 tokens
            DomainScore score = HeldoutScorer.score(model, List.of(longDoc, shortDoc));

            int[][] windows = {
                Arrays.copyOfRange(longDoc, 0, 65),
                Arrays.copyOfRange(longDoc, 64, 129),
                Arrays.copyOfRange(longDoc, 128, 150),
                shortDoc
            };
            double[] losses = model.sequenceLosses(windows);
            double sum = 0;
            long targets = 0;
            for (int i = 0; i < windows.length; i++) {
                sum += losses[i] * (windows[i].length - 1);
                targets += windows[i].length - 1;
            }
            assertEquals(149 + 3, score.tokens());
            assertEquals(targets, score.tokens());
            assertEquals(sum / targets, score.loss(), 1e-6);
            assertEquals(Math.exp(score.loss()), score.perplexity(), 1e-9);
        }
    }

    @Test
    void documentsWithoutATargetTokenHaveNoScore() {
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 7)) {
            assertNull(HeldoutScorer.score(model, List.of(new int[] {5}, new int[0])));
        }
    }
}

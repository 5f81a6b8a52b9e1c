package dev.cpt.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TextSimilarityTest {

    @Test
    void identicalTextsScoreOne() {
        assertEquals(1.0, TextSimilarity.similarity("Ice melts at zero degrees.", "Ice melts at zero degrees."), 1e-12);
        assertEquals(1.0, TextSimilarity.similarity("Ice  melts", "ice melts"), 1e-12);
    }

    @Test
    void aCloseParaphraseScoresAboveAnUnrelatedText() {
        String reference = "Three meters is three hundred centimeters because a meter has one hundred centimeters.";
        double close = TextSimilarity.similarity("A meter has one hundred centimeters, so three meters is three hundred centimeters.", reference);
        double unrelated = TextSimilarity.similarity("Photosynthesis turns light into sugar.", reference);
        assertTrue(close > 0.6, "close paraphrase: " + close);
        assertTrue(unrelated < 0.3, "unrelated: " + unrelated);
        assertTrue(close > unrelated);
    }

    @Test
    void anEmptyCompletionScoresZeroAgainstARealReference() {
        assertEquals(0.0, TextSimilarity.similarity("", "some reference"), 0.0);
    }
}

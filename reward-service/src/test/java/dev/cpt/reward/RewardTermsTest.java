package dev.cpt.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RewardTermsTest {
    private final RewardTerms onlySimilarity = new RewardTerms(new RewardTerms.Weights(1, 0, 0, 0), ".*[.]", 1, 1.5);

    @Test
    void theFormatTermWantsOneLineOneSentenceEndingInAPeriod() {
        assertEquals(1.0, onlySimilarity.format("Seven, because three plus four is seven."));
        assertEquals(1.0, onlySimilarity.format("  It is 3.5 meters.  "), "a decimal point does not end a sentence");
        assertEquals(0.0, onlySimilarity.format("Seven, because three plus four is seven"), "no period");
        assertEquals(0.0, onlySimilarity.format("Seven. Three plus four is seven."), "two sentences");
        assertEquals(0.0, onlySimilarity.format("Seven\nbecause three plus four is seven."), "two lines");
        RewardTerms custom = new RewardTerms(new RewardTerms.Weights(1, 1, 0, 0), "(?i)the answer is \\d+\\.", 1, 1.5);
        assertEquals(1.0, custom.format("The answer is 12."));
        assertEquals(0.0, custom.format("It is 12."));
    }

    @Test
    void theAnswerTermComparesTheLastNumbers() {
        assertEquals(
                1.0, RewardTerms.answer("3 plus 4 is 7.", "Seven: 3 + 4 = 7.").orElseThrow());
        assertEquals(
                1.0,
                RewardTerms.answer("That makes 1,000 meters.", "1 kilometer is 1000 meters.")
                        .orElseThrow());
        assertEquals(1.0, RewardTerms.answer("It is 2.50 liters.", "2.5").orElseThrow());
        assertEquals(0.0, RewardTerms.answer("3 plus 4 is 8.", "3 + 4 = 7.").orElseThrow());
        assertEquals(0.0, RewardTerms.answer("I do not know.", "3 + 4 = 7.").orElseThrow());
        assertEquals(1.0, RewardTerms.answer("The result is -3.", "2 - 5 = -3").orElseThrow());
        assertFalse(RewardTerms.answer("7", "Ice floats on water.").isPresent(), "no number in the reference: no term");
    }

    @Test
    void theLengthPenaltyStartsAfterTheAllowanceAndIsCappedAtOne() {
        String reference = "one two three four"; // 4 words, allowance 1.5 -> 6 words free
        assertEquals(0.0, onlySimilarity.lengthPenalty("a b c d e f", reference));
        assertEquals(0.5, onlySimilarity.lengthPenalty("a b c d e f g h i", reference), 1e-12);
        assertEquals(1.0, onlySimilarity.lengthPenalty("w ".repeat(100), reference));
        assertEquals(0.0, onlySimilarity.lengthPenalty("", reference));
    }

    @Test
    void theRewardIsTheWeightedSumWithTheLengthTermSubtracted() {
        RewardTerms all = new RewardTerms(new RewardTerms.Weights(0.5, 0.2, 0.3, 0.4), ".*[.]", 1, 1.0);
        Map<String, Double> t = all.terms("x y z 7.", "a 7", 0.8);
        // similarity 0.8, format 1, answer 1, length (4 - 2) / 2 = 1
        assertEquals(Map.of("similarity", 0.8, "format", 1.0, "answer", 1.0, "length", 1.0), t);
        assertEquals(0.5 * 0.8 + 0.2 + 0.3 - 0.4, all.reward(t), 1e-12);
        assertEquals(0.8, onlySimilarity.reward(t), 1e-12, "zero weights leave the similarity alone");
    }
}

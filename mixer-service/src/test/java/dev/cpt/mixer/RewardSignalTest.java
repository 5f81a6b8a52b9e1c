package dev.cpt.mixer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.mixing.EvalFeedback;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RewardSignalTest {
    private static EvalFeedback losses(long step, Map<String, Double> loss) {
        return new EvalFeedback(step, Map.of(), loss);
    }

    @Test
    void targetGainMinusWeightedMeanForgettingOfEarlierDomains() {
        var before = losses(1, Map.of("general", 3.0, "law", 4.0, "med", 5.0));
        var after = losses(2, Map.of("general", 3.4, "law", 3.9, "med", 4.0));
        // gain on med 1.0; forgetting: general +0.4, law improved (0): mean 0.2; weight 2 -> 1.0 - 0.4
        assertEquals(
                0.6,
                RewardSignal.between(before, after, List.of("general", "law", "med"), 2.0)
                        .orElseThrow(),
                1e-12);
    }

    @Test
    void noRewardWithoutTheTargetScoredTwice() {
        var before = losses(1, Map.of("general", 3.0));
        var after = losses(2, Map.of("general", 3.4, "med", 4.0));
        assertTrue(RewardSignal.between(before, after, List.of("general", "med"), 1.0)
                .isEmpty());
    }
}

package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The clipped GRPO objective on numbers worked out by hand. */
class PolicyObjectiveTest {
    private static final float LN_1_5 = (float) Math.log(1.5);
    private static final float LN_0_5 = (float) Math.log(0.5);

    @Test
    void aPositiveAdvantageIsCappedAboveAndANegativeOneIsNot() {
        PolicyObjective objective = new PolicyObjective(0.2, 0);
        // ratios 1.5 and 0.5 with A = +1: min(1.5, 1.2) = 1.2 and min(0.5, 0.8) = 0.5 -> row mean 0.85
        PolicyStepResult up =
                objective.evaluate(new float[][] {{LN_1_5, LN_0_5}}, new float[][] {{0, 0}}, null, new double[] {1});
        assertEquals(-0.85, up.loss(), 1e-6);
        // the same ratios with A = -1: min(-1.5, -1.2) = -1.5 and min(-0.5, -0.8) = -0.8 -> row mean -1.15
        PolicyStepResult down =
                objective.evaluate(new float[][] {{LN_1_5, LN_0_5}}, new float[][] {{0, 0}}, null, new double[] {-1});
        assertEquals(1.15, down.loss(), 1e-6);
        assertEquals(1.0, up.clipFraction(), 1e-9);
        assertEquals(1.0, up.meanRatio(), 1e-6);
    }

    @Test
    void rowsOfDifferentLengthsAreAveragedPerRowThenOverRows() {
        PolicyObjective objective = new PolicyObjective(0.2, 0);
        // row 0 as above (0.85); row 1: ratio 1.1 inside the clip range, A = 2 -> 2.2
        PolicyStepResult r = objective.evaluate(
                new float[][] {{LN_1_5, LN_0_5}, {(float) Math.log(1.1)}},
                new float[][] {{0, 0}, {0}},
                null,
                new double[] {1, 2});
        assertEquals(-(0.85 + 2.2) / 2, r.loss(), 1e-6);
        assertEquals(2.0 / 3, r.clipFraction(), 1e-6);
        assertEquals(3, r.tokenCount());
    }

    @Test
    void theRatioIsTakenAgainstTheOldLogProbabilities() {
        PolicyObjective objective = new PolicyObjective(0.1, 0);
        // new -1.0, old -1.05: ratio exp(0.05) = 1.0513, inside 1 +- 0.1; A = 3
        PolicyStepResult r =
                objective.evaluate(new float[][] {{-1.0f}}, new float[][] {{-1.05f}}, null, new double[] {3});
        assertEquals(-3 * Math.exp(0.05), r.loss(), 1e-5);
        assertEquals(0.0, r.clipFraction());
    }

    @Test
    void theKlPenaltyIsTheK3EstimateWeightedByBeta() {
        PolicyObjective objective = new PolicyObjective(0.2, 0.5);
        // log pi_ref - log pi = ln 2: k3 = 2 - ln 2 - 1; the advantage is 0, so only the penalty is left
        double k3 = 1 - Math.log(2);
        PolicyStepResult r = objective.evaluate(
                new float[][] {{0f}}, new float[][] {{0f}}, new float[][] {{(float) Math.log(2)}}, new double[] {0});
        assertEquals(k3, r.meanKl(), 1e-6);
        assertEquals(0.5 * k3, r.loss(), 1e-6);
    }

    @Test
    void theKlTermIsZeroWhereThePolicyEqualsTheReference() {
        PolicyObjective objective = new PolicyObjective(0.2, 1.0);
        float[][] same = {{-0.3f, -2.5f, -7f}, {-1f}};
        PolicyStepResult r = objective.evaluate(same, same, same, new double[] {0.7, -0.7});
        assertEquals(0.0, r.meanKl(), 0.0);
        // ratio 1 everywhere: the surrogate is the mean advantage, 0
        assertEquals(0.0, r.loss(), 1e-7);
    }

    @Test
    void staleTokensAreWeightedByTheTruncatedRatioOfProximalToBehaviourPolicy() {
        PolicyObjective objective = new PolicyObjective(0.2, 0);
        // proximal/behaviour: 3 (truncated to C = 2) and 0.5 (kept); the ratio to the proximal policy is 1.1 and 1
        float[][] proximal = {{-1f, -2f}};
        float[][] behaviour = {{-1f - (float) Math.log(3), -2f - LN_0_5}};
        float[][] weights = PolicyObjective.truncatedWeights(proximal, behaviour, 2.0);
        assertEquals(2f, weights[0][0], 0f);
        assertEquals(0.5f, weights[0][1], 1e-6f);
        PolicyStepResult r = objective.evaluate(
                new float[][] {{-1f + (float) Math.log(1.1), -2f}}, proximal, null, new double[] {1}, weights);
        // row mean of 2 * 1.1 * 1 and 0.5 * 1 * 1
        assertEquals(-(2 * 1.1 + 0.5) / 2, r.loss(), 1e-6);
    }

    @Test
    void weightsOfOnPolicyTokensAreOneAndLeaveTheObjectiveAsItIs() {
        PolicyObjective objective = new PolicyObjective(0.2, 0.3);
        float[][] old = {{-0.4f, -1.7f}, {-3f}};
        float[][] now = {{LN_1_5, -1.6f}, {-2.9f}};
        float[][] ref = {{-0.5f, -1.5f}, {-3.2f}};
        double[] adv = {0.8, -1.3};
        float[][] ones = PolicyObjective.truncatedWeights(old, old, 2.0);
        assertEquals(1f, ones[1][0], 0f);
        assertEquals(
                objective.evaluate(now, old, ref, adv).loss(),
                objective.evaluate(now, old, ref, adv, ones).loss(),
                0.0);
        assertThrows(IllegalArgumentException.class, () -> PolicyObjective.truncatedWeights(old, old, 0.5));
    }

    @Test
    void settingsAndMissingReferencesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PolicyObjective(0, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new PolicyObjective(0.2, -1));
        assertThrows(
                IllegalArgumentException.class,
                () -> new PolicyObjective(0.2, 0.1)
                        .evaluate(new float[][] {{0f}}, new float[][] {{0f}}, null, new double[] {1}));
    }
}

package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.model.tokenizer.ByteTokenizer;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The model side of GRPO: group sampling, completion log-probabilities, the policy step, the frozen reference. */
class PolicyGradientTest {
    private static final ByteTokenizer BYTES = ByteTokenizer.INSTANCE;
    private static final GptConfig SMALL = new GptConfig(256, 32, 2, 2, 32);

    @Test
    void aGroupOfCompletionsEndsAtAStopTokenOrTheLimit() {
        try (LanguageModel model = LanguageModel.create(SMALL, 5)) {
            int stop = 'e';
            SamplingSettings s = new SamplingSettings(1.0, 0, 1.0, 12, Set.of(stop));
            int[][] group = model.sampleGroup(BYTES.encode("abc"), 6, s, new Random(1));
            assertEquals(6, group.length);
            for (int[] completion : group) {
                assertTrue(completion.length >= 1 && completion.length <= 12);
                for (int i = 0; i < completion.length - 1; i++) {
                    assertNotEquals(stop, completion[i], "a stop token before the end");
                }
                assertTrue(completion.length == 12 || completion[completion.length - 1] == stop);
            }
            assertArrayEquals(
                    group, model.sampleGroup(BYTES.encode("abc"), 6, s, new Random(1)), "same seed, same group");
        }
    }

    @Test
    void completionLogProbabilitiesAreTheLogSoftmaxOfTheLogits() {
        try (LanguageModel model = LanguageModel.create(SMALL, 6)) {
            int[] prompt = BYTES.encode("hello");
            int[] completion = BYTES.encode(" wor");
            float[][] lp = model.completionLogProbs(
                    new int[][] {prompt, BYTES.encode("ab")}, new int[][] {completion, BYTES.encode("c")});
            int[] full = BYTES.encode("hello wor");
            float[][] logits = model.logits(new int[][] {full})[0];
            for (int j = 0; j < completion.length; j++) {
                float[] row = logits[prompt.length - 1 + j];
                double max = Double.NEGATIVE_INFINITY;
                for (float x : row) {
                    max = Math.max(max, x);
                }
                double z = 0;
                for (float x : row) {
                    z += Math.exp(x - max);
                }
                assertEquals(row[completion[j]] - max - Math.log(z), lp[0][j], 1e-4);
            }
            assertEquals(1, lp[1].length);
        }
    }

    @Test
    void temperedLogProbabilitiesAreTheLogSoftmaxOfTheScaledLogits() {
        try (LanguageModel model = LanguageModel.create(SMALL, 6)) {
            int[] prompt = BYTES.encode("hello");
            int[] completion = BYTES.encode(" wor");
            float[][] logits = model.logits(new int[][] {BYTES.encode("hello wor")})[0];
            for (double t : new double[] {0.25, 1.0, 3.0}) {
                float[] lp = model.completionLogProbs(new int[][] {prompt}, new int[][] {completion}, t)[0];
                for (int j = 0; j < completion.length; j++) {
                    float[] row = logits[prompt.length - 1 + j];
                    assertEquals(Sampler.logProb(row, completion[j], t), lp[j], 1e-5, "temperature " + t);
                }
            }
        }
    }

    @Test
    void thePolicyStepTakesItsLogProbabilitiesAtTheRolloutsTemperature() {
        int[][] prompts = {BYTES.encode("2 + 2 ="), BYTES.encode("2 + 2 =")};
        int[][] completions = {BYTES.encode(" 4."), BYTES.encode(" 5.")};
        OptimizerSettings lr = OptimizerSettings.defaults().withLearningRate(1e-3);
        PolicyObjective objective = new PolicyObjective(0.2, 0);
        double t = 0.5;
        try (LanguageModel policy = LanguageModel.create(SMALL, 7)) {
            float[][] old = policy.completionLogProbs(prompts, completions, t);
            PolicyStepResult r = policy.policyStep(
                    new PolicyBatch(prompts, completions, old, null, new double[] {1, -1}, t), objective, lr);
            assertEquals(1.0, r.meanRatio(), 1e-5, "pi and pi_old at the same temperature, before any update");
        }
        try (LanguageModel policy = LanguageModel.create(SMALL, 7)) {
            // the same rollouts scored at temperature 1 against a policy step at 0.5: the ratio is off from the start
            float[][] old = policy.completionLogProbs(prompts, completions);
            PolicyStepResult r = policy.policyStep(
                    new PolicyBatch(prompts, completions, old, null, new double[] {1, -1}, t), objective, lr);
            assertNotEquals(1.0, r.meanRatio(), 1e-3);
        }
    }

    @Test
    void onPolicyRolloutsWithImportanceWeightsTakeExactlyThePlainStep() {
        int[][] prompts = {BYTES.encode("2 + 2 ="), BYTES.encode("2 + 3 =")};
        int[][] completions = {BYTES.encode(" 4."), BYTES.encode(" 6.")};
        OptimizerSettings lr = OptimizerSettings.defaults().withLearningRate(1e-2);
        PolicyObjective objective = new PolicyObjective(0.2, 0);
        try (LanguageModel plain = LanguageModel.create(SMALL, 9);
                LanguageModel weighted = plain.copy()) {
            float[][] old = plain.completionLogProbs(prompts, completions);
            // behaviour = proximal: every truncated weight is exp(0) = 1
            float[][] ones = PolicyObjective.truncatedWeights(old, old, 2.0);
            double[] adv = {1, -1};
            PolicyStepResult a =
                    plain.policyStep(new PolicyBatch(prompts, completions, old, null, adv, 1.0), objective, lr);
            PolicyStepResult b = weighted.policyStep(
                    new PolicyBatch(prompts, completions, old, null, adv, 1.0, ones), objective, lr);
            assertEquals(a.loss(), b.loss(), 0.0);
            assertEquals(a.gradNorm(), b.gradNorm(), 0.0);
            float[][] after = plain.completionLogProbs(prompts, completions);
            float[][] afterWeighted = weighted.completionLogProbs(prompts, completions);
            for (int r = 0; r < after.length; r++) {
                assertArrayEquals(after[r], afterWeighted[r], 0f, "row " + r + " after the same update");
            }
        }
    }

    @Test
    void behaviourRowsTakePiOldFromTheStepsOwnPassAsASeparateForwardWould() {
        int[][] prompts = {BYTES.encode("2 + 2 ="), BYTES.encode("2 + 3 ="), BYTES.encode("7 - 1 =")};
        int[][] completions = {BYTES.encode(" 4."), BYTES.encode(" 6."), BYTES.encode(" 6.")};
        OptimizerSettings lr = OptimizerSettings.defaults().withLearningRate(1e-2);
        PolicyObjective objective = new PolicyObjective(0.2, 0.1);
        double t = 0.8;
        double cap = 1.5;
        try (LanguageModel separate = LanguageModel.create(SMALL, 9);
                LanguageModel inPass = separate.copy();
                LanguageModel reference = separate.copy()) {
            float[][] ref = reference.completionLogProbs(prompts, completions, t);
            float[][] proximal = separate.completionLogProbs(prompts, completions, t);
            // mu: rows 0 and 2 sampled by an older policy, one token far less likely under it (weight cut to the cap)
            float[][] mu = new float[3][];
            for (int r = 0; r < 3; r++) {
                mu[r] = proximal[r].clone();
            }
            mu[0][1] -= 3f;
            mu[2][0] += 0.2f;
            boolean[] behaviourRows = {true, false, true};
            double[] adv = {1, -0.5, -0.5};
            // the separate way: pi_old from its own forward, weights from it, row 1 on-policy with weight 1
            float[][] old = {proximal[0], proximal[1], proximal[2]};
            float[][] weights = PolicyObjective.truncatedWeights(proximal, mu, cap);
            weights[1] = new float[] {1f, 1f, 1f};
            float[][] behaviourOld = {mu[0], proximal[1], mu[2]};
            PolicyStepResult a = separate.policyStep(
                    new PolicyBatch(prompts, completions, old, ref, adv, t, weights), objective, lr);
            PolicyStepResult b = inPass.policyStep(
                    PolicyBatch.withBehaviourRows(prompts, completions, behaviourOld, ref, adv, t, behaviourRows, cap),
                    objective,
                    lr);
            assertEquals(a.loss(), b.loss(), 1e-6);
            assertEquals(a.meanKl(), b.meanKl(), 1e-6);
            assertEquals(1.0, b.meanRatio(), 0.0, "pi / pi_old is exactly 1 against the pass itself");
            assertEquals(a.gradNorm(), b.gradNorm(), 1e-5);
            assertEquals(1.0 / 9, b.truncatedFraction(), 1e-9, "one of nine completion tokens reached the cap");
            assertEquals(0.0, a.truncatedFraction(), 0.0, "precomputed weights: the step truncated nothing itself");
            float[][] afterSeparate = separate.completionLogProbs(prompts, completions, t);
            float[][] afterInPass = inPass.completionLogProbs(prompts, completions, t);
            for (int r = 0; r < 3; r++) {
                assertArrayEquals(afterSeparate[r], afterInPass[r], 1e-5f, "row " + r + " after the update");
                assertNotEquals(proximal[r][0], afterInPass[r][0], "the update moved row " + r);
            }
        }
    }

    @Test
    void rowsGroupedByLengthStepAsOneBatchOfAllTheirRows() {
        // rollouts from one token to twenty, two of them sampled by an older policy, with a KL to another model
        String[][] rows = {
            {"2 + 2 =", " 4."},
            {"12 + 30 =", " 42, which is forty-two."},
            {"7 - 1 =", " 6"},
            {"100 - 1 =", " ninety-nine, I think."},
            {"3 * 3 =", "9"},
            {"1 + 1 =", " 2 and no more"}
        };
        int[][] prompts = Arrays.stream(rows).map(r -> BYTES.encode(r[0])).toArray(int[][]::new);
        int[][] completions = Arrays.stream(rows).map(r -> BYTES.encode(r[1])).toArray(int[][]::new);
        PolicyObjective objective = new PolicyObjective(0.2, 0.1);
        double t = 0.8;
        double[] adv = {1.2, -0.4, 0.7, -1.1, 0.3, -0.7};
        boolean[] behaviourRows = {true, false, false, true, false, false};
        try (LanguageModel whole = LanguageModel.create(SMALL, 12);
                LanguageModel grouped = whole.copy();
                LanguageModel reference = LanguageModel.create(SMALL, 13)) {
            float[][] ref = reference.completionLogProbs(prompts, completions, t);
            float[][] initial = whole.completionLogProbs(prompts, completions, t);
            float[][] old = whole.completionLogProbs(prompts, completions, t);
            // pi_old away from the policy by row, so the clip and the truncation both take hold somewhere
            for (int r = 0; r < old.length; r++) {
                for (int j = 0; j < old[r].length; j++) {
                    old[r][j] += (r % 3 - 1) * 0.3f + (j % 2) * 0.1f;
                }
            }
            PolicyBatch batch =
                    PolicyBatch.withBehaviourRows(prompts, completions, old, ref, adv, t, behaviourRows, 1.2);
            assertTrue(LengthGroups.of(batch.lengths(), 0).size() >= 4, "the batch splits when a pass costs nothing");
            OptimizerSettings linear = GradientAccumulationTest.LINEAR;
            PolicyStepResult a = whole.trainer().policyStep(batch, objective, linear, Integer.MAX_VALUE);
            PolicyStepResult b = grouped.trainer().policyStep(batch, objective, linear, 0);
            assertEquals(a.loss(), b.loss(), 1e-6);
            assertEquals(a.meanKl(), b.meanKl(), 1e-6);
            assertTrue(a.meanKl() > 1e-3, "a KL to compare: " + a.meanKl());
            assertEquals(a.clipFraction(), b.clipFraction(), 1e-9);
            assertTrue(a.clipFraction() > 0, "clipped tokens to compare");
            assertEquals(a.meanRatio(), b.meanRatio(), 1e-6);
            assertEquals(a.truncatedFraction(), b.truncatedFraction(), 1e-9);
            assertTrue(a.truncatedFraction() > 0, "truncated tokens to compare");
            assertEquals(a.tokenCount(), b.tokenCount());
            assertEquals(a.gradNorm(), b.gradNorm(), 1e-5 * a.gradNorm());
            float[][] afterWhole = whole.completionLogProbs(prompts, completions, t);
            float[][] afterGrouped = grouped.completionLogProbs(prompts, completions, t);
            for (int r = 0; r < rows.length; r++) {
                assertArrayEquals(afterWhole[r], afterGrouped[r], 1e-5f, "row " + r + " after the update");
                assertNotEquals(initial[r][0], afterGrouped[r][0], "the update moved row " + r);
            }
        }
    }

    @Test
    void aGroupThatFailsLeavesNoGradientOfTheGroupsBeforeIt() {
        int[][] prompts = {BYTES.encode("2 + 2 ="), BYTES.encode("3 + 3 =")};
        int[][] completions = {BYTES.encode(" 4."), BYTES.encode(" 6.")};
        double[] adv = {1, -1};
        PolicyObjective objective = new PolicyObjective(0.2, 0);
        OptimizerSettings linear = GradientAccumulationTest.LINEAR;
        try (LanguageModel failed = LanguageModel.create(SMALL, 14);
                LanguageModel clean = failed.copy()) {
            float[][] old = clean.completionLogProbs(prompts, completions);
            // the longest row, a group of its own, holds a token outside the vocabulary: its pass fails after the
            // shorter row's backward has run
            int[][] badCompletions = {completions[0], {' ', 999, '.', '.'}};
            float[][] badOld = {old[0], new float[4]};
            PolicyBatch bad = new PolicyBatch(prompts, badCompletions, badOld, null, adv, 1.0);
            assertThrows(IllegalArgumentException.class, () -> failed.trainer().policyStep(bad, objective, linear, 0));
            PolicyBatch good = new PolicyBatch(prompts, completions, old, null, adv, 1.0);
            PolicyStepResult a = clean.policyStep(good, objective, linear);
            PolicyStepResult b = failed.policyStep(good, objective, linear);
            assertEquals(a.gradNorm(), b.gradNorm(), 0.0, "no gradient left over from the failed step");
            float[][] afterClean = clean.completionLogProbs(prompts, completions);
            float[][] afterFailed = failed.completionLogProbs(prompts, completions);
            for (int r = 0; r < 2; r++) {
                assertArrayEquals(afterClean[r], afterFailed[r], 0f, "row " + r);
            }
        }
    }

    @Test
    void theKlToAFrozenCopyIsZeroUntilThePolicyMoves() {
        try (LanguageModel policy = LanguageModel.create(SMALL, 7);
                LanguageModel reference = policy.copy()) {
            int[][] prompts = {BYTES.encode("2 + 2 ="), BYTES.encode("2 + 2 =")};
            int[][] completions = {BYTES.encode(" 4."), BYTES.encode(" 5.")};
            float[][] old = policy.completionLogProbs(prompts, completions);
            float[][] ref = reference.completionLogProbs(prompts, completions);
            for (int r = 0; r < old.length; r++) {
                assertArrayEquals(old[r], ref[r], 0f, "the copy computes the same log-probabilities");
            }
            PolicyObjective objective = new PolicyObjective(0.2, 0.1);
            OptimizerSettings lr = OptimizerSettings.defaults().withLearningRate(3e-2);
            PolicyBatch batch = new PolicyBatch(prompts, completions, old, ref, new double[] {1, -1});
            PolicyStepResult first = policy.policyStep(batch, objective, lr);
            assertTrue(first.applied());
            assertEquals(0.0, first.meanKl(), 1e-6);
            assertEquals(1.0, first.meanRatio(), 1e-5);
            // a second inner step on the same rollouts: the policy has moved away from pi_old and pi_ref
            PolicyStepResult second = policy.policyStep(batch, objective, lr);
            assertTrue(second.meanKl() > 1e-6, "KL after one update: " + second.meanKl());
            assertNotEquals(1.0, second.meanRatio(), 1e-4);
            float[][] after = reference.completionLogProbs(prompts, completions);
            assertArrayEquals(ref[0], after[0], 0f, "the reference stays frozen");
        }
    }

    @Test
    void thePolicyStepRaisesTheLikelihoodOfPositiveAdvantagesAndLowersNegativeOnes() {
        try (LanguageModel policy = LanguageModel.create(SMALL, 8)) {
            int[][] prompts = {BYTES.encode("Q: 3 + 4?"), BYTES.encode("Q: 3 + 4?")};
            int[][] completions = {BYTES.encode(" 7"), BYTES.encode(" 9")};
            PolicyObjective objective = new PolicyObjective(0.2, 0);
            float[][] before = policy.completionLogProbs(prompts, completions);
            for (int step = 0; step < 5; step++) {
                float[][] old = policy.completionLogProbs(prompts, completions);
                policy.policyStep(
                        new PolicyBatch(prompts, completions, old, null, new double[] {1, -1}),
                        objective,
                        OptimizerSettings.defaults().withLearningRate(1e-2));
            }
            float[][] after = policy.completionLogProbs(prompts, completions);
            assertTrue(sum(after[0]) > sum(before[0]), "log p(good) " + sum(before[0]) + " -> " + sum(after[0]));
            assertTrue(sum(after[1]) < sum(before[1]), "log p(bad) " + sum(before[1]) + " -> " + sum(after[1]));
        }
    }

    @Test
    void severalInnerStepsOnTheSameRolloutsAreHeldByTheClip() {
        try (LanguageModel policy = LanguageModel.create(SMALL, 9)) {
            int[][] prompts = {BYTES.encode("abc")};
            int[][] completions = {BYTES.encode("defg")};
            float[][] old = policy.completionLogProbs(prompts, completions);
            PolicyBatch batch = new PolicyBatch(prompts, completions, old, null, new double[] {1});
            PolicyObjective objective = new PolicyObjective(0.1, 0);
            PolicyStepResult last = null;
            for (int inner = 0; inner < 12; inner++) {
                last = policy.policyStep(
                        batch, objective, OptimizerSettings.defaults().withLearningRate(5e-2));
            }
            // with a positive advantage every token's ratio is pushed up until it passes 1 + eps, where its gradient
            // is cut: the clipped tokens show up in the clip fraction
            assertTrue(last.meanRatio() > 1.0, "mean ratio " + last.meanRatio());
            assertTrue(last.clipFraction() > 0, "clip fraction " + last.clipFraction());
        }
    }

    @Test
    void policyStepsStayFiniteWhileTheCollectorFreesAndReusesMemory() throws InterruptedException {
        // the objective's constants (clip bounds, k3's 1, beta) are saved by autograd: Java-owned scalars freed by a
        // GC before backward would turn the gradients into garbage (see NativeArrays)
        try (LanguageModel policy = LanguageModel.create(SMALL, 10);
                LanguageModel reference = policy.copy()) {
            Random rng = new Random(4);
            PolicyObjective objective = new PolicyObjective(0.2, 0.1);
            try (GcPressure gc = GcPressure.start()) {
                for (int step = 0; step < 30; step++) {
                    int[][] prompts = new int[4][];
                    int[][] completions = new int[4][];
                    double[] advantages = new double[4];
                    for (int r = 0; r < 4; r++) {
                        prompts[r] = BYTES.encode("q" + rng.nextInt(100) + ":");
                        completions[r] = BYTES.encode(" a" + rng.nextInt(1000));
                        advantages[r] = rng.nextGaussian();
                    }
                    float[][] old = policy.completionLogProbs(prompts, completions);
                    float[][] ref = reference.completionLogProbs(prompts, completions);
                    PolicyBatch batch = new PolicyBatch(prompts, completions, old, ref, advantages);
                    for (int inner = 0; inner < 2; inner++) {
                        PolicyStepResult r = policy.policyStep(
                                batch, objective, OptimizerSettings.defaults().withLearningRate(1e-2));
                        assertTrue(
                                r.applied() && Double.isFinite(r.loss()) && r.gradNorm() < 1e3,
                                "step " + step + ": " + r);
                    }
                }
            }
        }
    }

    private static double sum(float[] xs) {
        double s = 0;
        for (float x : xs) {
            s += x;
        }
        return s;
    }
}

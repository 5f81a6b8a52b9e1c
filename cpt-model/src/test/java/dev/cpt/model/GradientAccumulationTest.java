package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.common.io.SafeTensors.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Gradient accumulation over k micro-batches takes the same optimizer step as one batch holding all their rows: two
 * models with the same initial weights, one stepped on the micro-batches and one on the whole batch, end with the same
 * weights, loss and gradient norm.
 *
 * <p>On its first steps Adam divides each gradient by its own magnitude, so its update hardly depends on how the
 * gradient is scaled: a sum where a mean belongs, or micro-batches weighted alike whatever their tokens, would move the
 * weights almost as the right gradient does. An epsilon far above the gradients ({@link #LINEAR}) makes the update
 * proportional to the gradient (lr * g / (|g| + eps), |g| much below eps), so any error of scale or weighting shows in
 * the weights.
 */
class GradientAccumulationTest {

    private static final double LEARNING_RATE = 0.1;

    /** AdamW whose update is linear in the gradient: eps 1 against gradients of about 1e-3 per element. */
    static final OptimizerSettings LINEAR = new OptimizerSettings(LEARNING_RATE, 0.0, 0.9, 0.95, 1.0, 0.0);

    /** Steps compared: the second shows that an accumulated step leaves no gradient behind. */
    private static final int STEPS = 2;

    @ParameterizedTest(name = "{0} micro-batches, clipping {1}")
    @CsvSource({"equal, off", "equal, on", "unequal, off", "unequal, on"})
    void accumulatedMicroBatchesStepAsOneBatchOfAllTheirRows(String sizes, String clipping) {
        int[] stream = TestData.proseTokens();
        Random rng = new Random(sizes.hashCode());
        try (LanguageModel whole = LanguageModel.create(GptConfig.tiny(), 11);
                LanguageModel accumulated = LanguageModel.create(GptConfig.tiny(), 11)) {
            Map<String, Tensor> initial = whole.weights();
            assertSameWeights(initial, accumulated.weights(), 0);
            for (int step = 0; step < STEPS; step++) {
                List<int[][]> micro = sizes.equals("equal") ? equalMicroBatches(stream, rng) : unequal(stream, rng);
                int[][] all = micro.stream().flatMap(Arrays::stream).toArray(int[][]::new);
                OptimizerSettings settings = clipping.equals("on") ? clippedBelow(whole, all) : LINEAR;

                TrainStepResult one = whole.trainStep(all, settings);
                long tokens = 0;
                for (int[][] rows : micro) {
                    MicroBatchResult r = accumulated.accumulateGradients(rows);
                    tokens += r.tokenCount();
                }
                assertEquals(micro.size(), accumulated.pendingMicroBatches());
                assertEquals(step, accumulated.optimizerStep(), "micro-batches alone must not step");
                TrainStepResult k = accumulated.applyGradients(settings);

                String where = sizes + " micro-batches, clipping " + clipping + ", step " + (step + 1);
                assertTrue(one.applied() && k.applied(), where);
                assertSameUpdate(initial, whole.weights(), accumulated.weights(), where);
                if (clipping.equals("on")) {
                    assertTrue(one.gradNorm() > 2 * settings.maxGradNorm(), where + ": clipping must bite");
                }
                assertEquals(one.tokenCount(), k.tokenCount(), where);
                assertEquals(tokens, k.tokenCount(), where);
                assertEquals(one.loss(), k.loss(), 1e-5 * one.loss(), where + ": loss");
                assertEquals(one.gradNorm(), k.gradNorm(), 1e-4 * one.gradNorm(), where + ": gradient norm");
                assertArrayEquals(one.rowLosses(), k.rowLosses(), 1e-5, where + ": row losses");
                assertEquals(step + 1, accumulated.optimizerStep(), where);
                assertEquals(0, accumulated.pendingMicroBatches(), where);
            }
        }
    }

    @Test
    void aStepOfItsOwnRefusesToTakeUpAccumulatedGradients() {
        int[] stream = TestData.proseTokens();
        Random rng = new Random(3);
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 5)) {
            assertThrows(IllegalStateException.class, () -> model.applyGradients(LINEAR));
            model.accumulateGradients(TestData.windows(stream, 2, 20, rng));
            assertThrows(
                    IllegalStateException.class, () -> model.trainStep(TestData.windows(stream, 2, 20, rng), LINEAR));
            assertThrows(
                    IllegalStateException.class,
                    () -> model.trainStep(List.<int[][]>of(TestData.windows(stream, 2, 20, rng)), LINEAR));
            assertEquals(1, model.pendingMicroBatches());
            assertTrue(model.applyGradients(LINEAR).applied());
            assertEquals(1, model.optimizerStep());
        }
    }

    /** Settings whose clipping threshold is a quarter of the whole batch's gradient norm (measured on a copy). */
    static OptimizerSettings clippedBelow(LanguageModel model, int[][] rows) {
        try (LanguageModel probe = model.copy()) {
            double norm = probe.trainStep(rows, LINEAR).gradNorm();
            return new OptimizerSettings(LEARNING_RATE, 0.0, 0.9, 0.95, 1.0, norm / 4);
        }
    }

    /** Three micro-batches of 2 rows x 40 tokens. */
    private static List<int[][]> equalMicroBatches(int[] stream, Random rng) {
        List<int[][]> micro = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            micro.add(TestData.windows(stream, 2, 40, rng));
        }
        return micro;
    }

    /** 1, 3 and 2 rows of 65, 9..60 and 30 tokens: token counts far apart, and padding inside a micro-batch. */
    private static List<int[][]> unequal(int[] stream, Random rng) {
        int[][] middle = {
            TestData.windows(stream, 1, 9, rng)[0],
            TestData.windows(stream, 1, 60, rng)[0],
            TestData.windows(stream, 1, 25, rng)[0]
        };
        return List.of(TestData.windows(stream, 1, 65, rng), middle, TestData.windows(stream, 2, 30, rng));
    }

    /**
     * Both models moved their weights from {@code initial} by the same amount, to float rounding: a wrong scale or
     * weighting of the micro-batches changes the update by far more than 1e-4 of its largest element.
     */
    static void assertSameUpdate(
            Map<String, Tensor> initial, Map<String, Tensor> whole, Map<String, Tensor> accumulated, String where) {
        double largest = 0;
        double worst = 0;
        String worstAt = null;
        for (String name : initial.keySet()) {
            float[] w0 = initial.get(name).data();
            float[] a = whole.get(name).data();
            float[] b = accumulated.get(name).data();
            for (int i = 0; i < w0.length; i++) {
                largest = Math.max(largest, Math.abs(a[i] - w0[i]));
                double diff = Math.abs(a[i] - b[i]);
                if (diff > worst) {
                    worst = diff;
                    worstAt = name + "[" + i + "]";
                }
            }
        }
        assertTrue(largest > 1e-4, where + ": the step must move the weights, largest change " + largest);
        assertTrue(
                worst <= 1e-4 * largest,
                where + ": updates differ by " + worst + " at " + worstAt + ", largest change " + largest);
    }

    private static void assertSameWeights(Map<String, Tensor> a, Map<String, Tensor> b, double tolerance) {
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            assertArrayEquals(a.get(name).data(), b.get(name).data(), (float) tolerance, name);
        }
    }
}

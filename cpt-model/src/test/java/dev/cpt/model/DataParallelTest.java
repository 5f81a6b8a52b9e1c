package dev.cpt.model;

import static dev.cpt.model.GradientAccumulationTest.LINEAR;
import static dev.cpt.model.GradientAccumulationTest.assertSameUpdate;
import static dev.cpt.model.GradientAccumulationTest.clippedBelow;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.cpt.common.io.SafeTensors.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Data parallel over two CPU replicas takes the optimizer steps one model takes on the same rows: a model and a copy
 * of it, the copy split over two replicas, end every step with the same weights, loss, gradient norm and row losses.
 * The split sends rows of different lengths to each replica, so each replica's backward pass divides by its own token
 * count and only a right rescaling of their gradients gives the single model's step. As in {@link
 * GradientAccumulationTest}, the optimizer's eps is far above the gradients, so Adam's update is proportional to the
 * gradient and a wrong weighting shows in the weights; the weights may differ only by float rounding, since the
 * replicas' gradients are summed in another order than one backward pass sums them (1e-4 of the largest change).
 */
class DataParallelTest {

    private static final int STEPS = 3;

    @ParameterizedTest
    @EnumSource(
            value = ModelPreset.class,
            names = {"tiny", "llamaTiny"})
    void twoReplicasStepAsOneModelOnAllTheRows(ModelPreset preset) {
        int[] stream = TestData.proseTokens();
        Random rng = new Random(7);
        try (LanguageModel single = LanguageModel.create(preset.decoderConfig(), 3);
                LanguageModel primary = single.copy();
                DataParallel parallel = DataParallel.over(primary, List.of(Device.cpu(), Device.cpu()))) {
            assertEquals(2, parallel.size());
            for (int step = 1; step <= STEPS; step++) {
                // odd rows of different lengths, then a micro-batch of one row that leaves replica 1 idle
                List<int[][]> micro = List.of(unevenRows(stream, rng), TestData.windows(stream, 1, 33, rng));
                int[][] all = micro.stream().flatMap(Arrays::stream).toArray(int[][]::new);
                // the second step clips: the gradient summed over replicas must be clipped once, as one model's
                OptimizerSettings settings = step == 2 ? clippedBelow(single, all) : LINEAR;
                Map<String, Tensor> before = single.weights();

                for (int[][] rows : micro) {
                    single.accumulateGradients(rows);
                }
                TrainStepResult one = single.applyGradients(settings);
                long tokens = 0;
                for (int[][] rows : micro) {
                    MicroBatchResult part = parallel.accumulateGradients(rows);
                    assertEquals(rows.length, part.rowLosses().length);
                    tokens += part.tokenCount();
                }
                TrainStepResult split = parallel.applyGradients(settings);

                String where = preset + ", step " + step;
                assertTrue(one.applied() && split.applied(), where);
                if (step == 2) {
                    assertTrue(one.gradNorm() > 2 * settings.maxGradNorm(), where + ": clipping must bite");
                }
                assertSameUpdate(before, single.weights(), primary.weights(), where);
                assertEquals(one.tokenCount(), split.tokenCount(), where);
                assertEquals(tokens, split.tokenCount(), where);
                assertEquals(one.loss(), split.loss(), 1e-5 * one.loss(), where + ": loss");
                assertEquals(one.gradNorm(), split.gradNorm(), 1e-4 * one.gradNorm(), where + ": gradient norm");
                assertArrayEquals(one.rowLosses(), split.rowLosses(), 1e-5, where + ": row losses in the rows' order");
                assertEquals(step, primary.optimizerStep(), where);
                assertEquals(0, parallel.replica(1).pendingMicroBatches(), where);
                assertExactlyEqual(primary.weights(), parallel.replica(1).weights(), where);
            }
        }
    }

    @Test
    void oneReplicaIsThePlainModel() {
        int[] stream = TestData.proseTokens();
        Random rng = new Random(5);
        try (LanguageModel single = LanguageModel.create(GptConfig.tiny(), 3);
                LanguageModel primary = single.copy();
                DataParallel parallel = DataParallel.over(primary, List.of(Device.cpu()))) {
            int[][] rows = unevenRows(stream, rng);
            single.accumulateGradients(rows);
            parallel.accumulateGradients(rows);
            TrainStepResult one = single.applyGradients(LINEAR);
            TrainStepResult same = parallel.applyGradients(LINEAR);
            assertEquals(one.loss(), same.loss(), 0.0);
            assertEquals(one.gradNorm(), same.gradNorm(), 0.0);
            assertExactlyEqual(single.weights(), primary.weights(), "one replica");
        }
    }

    @Test
    void splitEvensOutTargetTokensWithWholeRows() {
        int[][] rows = {new int[9], new int[41], new int[5], new int[21], new int[17]};
        List<int[]> parts = DataParallel.split(rows, 2);
        // target tokens 40, 20, 16, 8, 4, longest first to the lighter replica: 40 + 4 against 20 + 16 + 8
        assertArrayEquals(new int[] {1, 2}, parts.get(0));
        assertArrayEquals(new int[] {0, 3, 4}, parts.get(1));

        List<int[]> more = DataParallel.split(new int[][] {new int[3], new int[7]}, 3);
        assertArrayEquals(new int[] {1}, more.get(0));
        assertArrayEquals(new int[] {0}, more.get(1));
        assertEquals(0, more.get(2).length, "fewer rows than replicas leave the last replica idle");
    }

    @Test
    void refusesDevicesThatDoNotStartWithThePrimarys() {
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 3)) {
            assertThrows(IllegalArgumentException.class, () -> DataParallel.over(model, List.of()));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> DataParallel.over(model, List.of(Device.gpu(), Device.cpu())));
        }
    }

    /** Five rows of 5 to 60 tokens, which two replicas split 59 against 48 target tokens. */
    private static int[][] unevenRows(int[] stream, Random rng) {
        int[] lengths = {9, 60, 25, 13, 5};
        return Arrays.stream(lengths)
                .mapToObj(n -> TestData.windows(stream, 1, n, rng)[0])
                .toArray(int[][]::new);
    }

    private static void assertExactlyEqual(Map<String, Tensor> a, Map<String, Tensor> b, String where) {
        assertEquals(a.keySet(), b.keySet(), where);
        for (String name : a.keySet()) {
            assertArrayEquals(a.get(name).data(), b.get(name).data(), where + ": " + name);
        }
    }
}

package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TrainingTest {

    @Test
    void lossFallsOnRealProse() {
        int[] stream = TestData.proseTokens();
        Random rng = new Random(7);
        OptimizerSettings settings = OptimizerSettings.defaults().withLearningRate(3e-3);
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 42)) {
            int[][] probe = TestData.windows(stream, 8, 65, new Random(1));
            double initial = average(model.sequenceLosses(probe));
            // an untrained model is close to uniform over 256 byte values
            assertEquals(Math.log(256), initial, 0.3);
            int steps = 0;
            double current = initial;
            while (steps < 200 && current >= 0.55 * initial) {
                for (int i = 0; i < 10; i++, steps++) {
                    TrainStepResult r = model.trainStep(TestData.windows(stream, 8, 65, rng), settings);
                    assertTrue(r.applied(), () -> "step skipped: " + r.skippedReason());
                    assertNull(r.skippedReason());
                    assertEquals(8 * 64, r.tokenCount());
                    assertTrue(r.gradNorm() > 0 && Double.isFinite(r.gradNorm()));
                }
                current = average(model.sequenceLosses(probe));
            }
            System.out.printf("loss %.3f -> %.3f after %d steps%n", initial, current, steps);
            assertTrue(current < 0.55 * initial, "loss " + initial + " -> " + current + " after " + steps + " steps");
            assertEquals(steps, model.optimizerStep());
        }
    }

    @Test
    void paddingNeverCountsAndBatchSizesMayVary() {
        int[] stream = TestData.proseTokens();
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 3)) {
            int[] shortRow = java.util.Arrays.copyOfRange(stream, 0, 10);
            int[] longRow = java.util.Arrays.copyOfRange(stream, 100, 165);
            double alone = model.sequenceLosses(new int[][] {shortRow})[0];
            double[] together = model.sequenceLosses(new int[][] {shortRow, longRow});
            assertEquals(alone, together[0], 1e-5, "padding changed a short row's loss");

            TrainStepResult mixed = model.trainStep(new int[][] {shortRow, longRow}, OptimizerSettings.defaults());
            assertEquals(9 + 64, mixed.tokenCount());
            assertEquals(2, mixed.rowLosses().length);
            assertEquals((mixed.rowLosses()[0] * 9 + mixed.rowLosses()[1] * 64) / 73, mixed.loss(), 1e-5);
            // next step with a different batch size
            TrainStepResult single = model.trainStep(new int[][] {longRow}, OptimizerSettings.defaults());
            assertTrue(single.applied());
            assertEquals(1, single.rowLosses().length);
            TrainStepResult three =
                    model.trainStep(new int[][] {shortRow, shortRow, longRow}, OptimizerSettings.defaults());
            assertTrue(three.applied());
            assertArrayEquals(new double[] {three.rowLosses()[0]}, new double[] {three.rowLosses()[1]}, 1e-6);
        }
    }

    @Test
    void rejectsRowsOutsideTheContract() {
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 3)) {
            OptimizerSettings s = OptimizerSettings.defaults();
            assertThrows(IllegalArgumentException.class, () -> model.trainStep(new int[][] {{1}}, s));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> model.trainStep(new int[][] {new int[GptConfig.tiny().contextLength() + 2]}, s));
            assertThrows(IllegalArgumentException.class, () -> model.trainStep(new int[][] {{1, 256}}, s));
            assertThrows(IllegalArgumentException.class, () -> model.trainStep(new int[0][], s));
            // the longest legal row is contextLength + 1
            assertTrue(model.trainStep(new int[][] {new int[GptConfig.tiny().contextLength() + 1]}, s)
                    .applied());
        }
    }

    @Test
    void noTensorsLeakAcrossCalls() {
        int[] stream = TestData.proseTokens();
        Random rng = new Random(13);
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 1)) {
            model.trainStep(TestData.windows(stream, 2, 30, rng), OptimizerSettings.defaults());
            int baseline = model.liveArrayCount();
            for (int i = 0; i < 5; i++) {
                model.trainStep(TestData.windows(stream, 1 + i, 20 + i, rng), OptimizerSettings.defaults());
                model.trainStep(
                        java.util.List.of(TestData.windows(stream, 2, 20, rng), TestData.windows(stream, 1, 30, rng)),
                        OptimizerSettings.defaults());
                model.sequenceLosses(TestData.windows(stream, 2, 30, rng));
                model.logits(TestData.windows(stream, 2, 10, rng));
                model.generate(new int[] {1, 2, 3}, SamplingSettings.greedy(3), rng);
            }
            assertEquals(baseline, model.liveArrayCount(), "arrays accumulated under the model's manager");
            assertTrue(baseline >= 3 * model.config().layers() * 12, "count should include every weight and moment");
        }
    }

    static double average(double[] xs) {
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return s / xs.length;
    }
}

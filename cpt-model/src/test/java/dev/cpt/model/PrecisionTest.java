package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PrecisionTest {

    private static final int STEPS = 8;
    // float16 keeps 11 significant bits (about 0.05% per operand); over a few steps of a tiny model the two runs'
    // losses stay within this much of each other, while their difference is not zero (see the fp16 experiment in
    // docs/experiments/2026-12-04-gpu-build.md for a longer run)
    private static final double LOSS_TOLERANCE = 0.05;

    @Test
    void fp16StepsLowerTheLossLikeFloat32AndKeepFloat32MasterWeightsAndMoments() {
        double[] float32 = run(Precision.FLOAT32);
        double[] fp16 = run(Precision.FP16);
        assertTrue(fp16[STEPS - 1] < fp16[0], "fp16 loss " + fp16[0] + " -> " + fp16[STEPS - 1]);
        for (int i = 0; i < STEPS; i++) {
            assertEquals(float32[i], fp16[i], LOSS_TOLERANCE, "step " + i);
        }
        // the products really ran in bfloat16: the first step's loss already differs
        assertNotEquals(float32[0], fp16[0]);
    }

    /** The training losses of {@link #STEPS} steps at {@code precision} from one seed and one stream of batches. */
    private static double[] run(Precision precision) {
        int[] stream = TestData.proseTokens();
        Random rng = new Random(11);
        OptimizerSettings settings = OptimizerSettings.defaults().withLearningRate(3e-3);
        double[] losses = new double[STEPS];
        try (LanguageModel model = LanguageModel.create(LlamaConfig.tiny(256), 5)) {
            model.precision(precision);
            assertEquals(precision, model.precision());
            for (int i = 0; i < STEPS; i++) {
                TrainStepResult r = model.trainStep(TestData.windows(stream, 4, 33, rng), settings);
                assertTrue(r.applied(), r::skippedReason);
                losses[i] = r.loss();
            }
            for (Parameter p : model.decoder().parameters().values()) {
                assertEquals(DataType.FLOAT32, p.getArray().getDataType(), p.getName());
            }
            for (NDArray moment : model.optimizer().stateTensors().values()) {
                assertEquals(DataType.FLOAT32, moment.getDataType());
            }
        }
        return losses;
    }

    @Test
    void aCopyComputesAtTheSamePrecisionAndScoringRunsAtItToo() {
        int[][] rows = TestData.windows(TestData.proseTokens(), 2, 17, new Random(3));
        try (LanguageModel model = LanguageModel.create(LlamaConfig.tiny(256), 5)) {
            double float32 = model.sequenceLosses(rows)[0];
            model.precision(Precision.FP16);
            double fp16 = model.sequenceLosses(rows)[0];
            assertNotEquals(float32, fp16);
            assertEquals(float32, fp16, LOSS_TOLERANCE);
            try (LanguageModel copy = model.copy()) {
                assertEquals(Precision.FP16, copy.precision());
                assertEquals(fp16, copy.sequenceLosses(rows)[0], 1e-6);
            }
        }
    }

    @Test
    void settingsNameThePrecisions() {
        assertEquals(Precision.FP16, Precision.of("fp16"));
        assertEquals(Precision.FLOAT32, Precision.of(" Float32 "));
        var e = assertThrows(IllegalArgumentException.class, () -> Precision.of("bf16"));
        assertTrue(e.getMessage().contains("float32 or fp16"), e.getMessage());
        assertTrue(e.getMessage().contains("no bfloat16"), e.getMessage());
    }
}

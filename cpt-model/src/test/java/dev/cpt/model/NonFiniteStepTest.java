package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.common.io.SafeTensors;
import dev.cpt.common.io.SafeTensors.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crafted weights: position 40's embedding is NaN. Batches that reach position 40 produce a NaN
 * loss; shorter batches never touch it, so the same model can take both kinds of step.
 */
class NonFiniteStepTest {

    private static final int POISONED_POSITION = 40;

    @TempDir
    Path tmp;

    @Test
    void nonFiniteLossIsNotAppliedAndLeavesWeightsUnchanged() throws Exception {
        try (LanguageModel model = poisonedModel()) {
            int[] stream = TestData.proseTokens();
            Random rng = new Random(2);
            OptimizerSettings settings = OptimizerSettings.defaults().withLearningRate(1e-2);

            Map<String, Tensor> before = model.weights();
            TrainStepResult bad = model.trainStep(TestData.windows(stream, 4, 60, rng), settings);
            assertFalse(bad.applied());
            assertTrue(Double.isNaN(bad.loss()));
            assertTrue(bad.skippedReason().contains("loss is NaN"), bad.skippedReason());
            assertEquals(0, model.optimizerStep());
            assertSameWeights(before, model.weights());

            // gradients of the skipped step must not leak into the next one
            TrainStepResult good = model.trainStep(TestData.windows(stream, 4, POISONED_POSITION, rng), settings);
            assertTrue(good.applied(), () -> "short batch skipped: " + good.skippedReason());
            assertNull(good.skippedReason());
            assertTrue(Double.isFinite(good.gradNorm()));
            assertEquals(1, model.optimizerStep());
            Map<String, Tensor> after = model.weights();
            assertFalse(
                    Arrays.equals(
                            before.get("h.0.mlp.c_fc.weight").data(),
                            after.get("h.0.mlp.c_fc.weight").data()),
                    "an applied step must change the weights");
            // every weight except the poisoned row is still finite
            for (Map.Entry<String, Tensor> e : after.entrySet()) {
                float[] d = e.getValue().data();
                for (int i = 0; i < d.length; i++) {
                    boolean poisoned = e.getKey().equals("wpe.weight") && i / 48 == POISONED_POSITION;
                    assertEquals(!poisoned, Float.isFinite(d[i]), e.getKey() + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void nonFiniteSettingsAreRejectedUpFront() {
        assertThrows(IllegalArgumentException.class, () -> new OptimizerSettings(Double.NaN, 0, 0.9, 0.95, 1e-8, 1));
        assertThrows(
                IllegalArgumentException.class,
                () -> new OptimizerSettings(1e-3, Double.POSITIVE_INFINITY, 0.9, 0.95, 1e-8, 1));
        assertThrows(IllegalArgumentException.class, () -> new OptimizerSettings(1e-3, 0, 1.0, 0.95, 1e-8, 1));
    }

    private LanguageModel poisonedModel() throws Exception {
        Path dir = tmp.resolve("poisoned");
        try (LanguageModel clean = LanguageModel.create(GptConfig.tiny(), 8)) {
            clean.exportHuggingFace(dir);
        }
        Path file = dir.resolve(LanguageModel.WEIGHTS_FILE);
        Map<String, Tensor> tensors = new LinkedHashMap<>(SafeTensors.read(file).tensors());
        Tensor wpe = tensors.get("wpe.weight");
        float[] data = wpe.data().clone();
        int width = (int) wpe.shape()[1];
        Arrays.fill(data, POISONED_POSITION * width, (POISONED_POSITION + 1) * width, Float.NaN);
        tensors.put("wpe.weight", new Tensor(wpe.shape(), data));
        SafeTensors.write(file, tensors, Map.of());
        return LanguageModel.importHuggingFace(dir);
    }

    private static void assertSameWeights(Map<String, Tensor> a, Map<String, Tensor> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            // Arrays.equals compares float bits, so NaN == NaN here
            assertTrue(Arrays.equals(a.get(k).data(), b.get(k).data()), k + " changed");
        }
    }
}

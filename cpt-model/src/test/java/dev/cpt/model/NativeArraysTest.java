package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.engine.OfflineEngine;
import org.junit.jupiter.api.Test;

/**
 * Tensors from {@link NativeArrays} stay valid after their Java side is gone. (DJL's own {@code
 * x.mul(0.5f)} fails this: its scalar wraps a Java buffer that is freed before the backward pass,
 * and the gradient comes out as garbage such as -7.9e6 or -3.5e35.)
 */
class NativeArraysTest {

    @Test
    void scalarFactorSurvivesAGcBetweenForwardAndBackward() {
        Engine engine = OfflineEngine.get();
        try (NDManager m = engine.newBaseManager()) {
            NDArray x = m.ones(new Shape(4));
            x.setRequiresGradient(true);
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray y = x.mul(NativeArrays.scalar(m, 0.5f)).sum().div(NativeArrays.scalar(m, 4f));
                GcPressure.collectAndReuse();
                collector.backward(y);
            }
            assertArrayEquals(
                    new float[] {0.125f, 0.125f, 0.125f, 0.125f},
                    x.getGradient().toFloatArray());
        }
    }

    @Test
    void createdArraysOwnTheirMemory() {
        try (NDManager m = OfflineEngine.get().newBaseManager()) {
            float[] values = {1f, -2f, 3.5f, 1e-3f};
            NDArray target = m.zeros(new Shape(4));
            // the same pattern as loading weights: intern drops the source's Java buffer
            target.intern(NativeArrays.create(m, values, new Shape(4)));
            NDArray ids = NativeArrays.create(m, new long[] {7, 0, 255}, new Shape(3));
            GcPressure.collectAndReuse();
            assertArrayEquals(values, target.toFloatArray());
            assertArrayEquals(new long[] {7, 0, 255}, ids.toLongArray());
        }
    }
}

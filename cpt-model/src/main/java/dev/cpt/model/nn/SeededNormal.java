package dev.cpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import dev.cpt.model.engine.NativeArrays;
import java.util.Random;

/**
 * Normal(0, std) initializer drawing from a Java {@link Random}. Using a Java generator instead of
 * libtorch's global one makes {@code create(config, seed)} reproducible and independent of any
 * other model living in the same JVM.
 */
public final class SeededNormal implements Initializer {

    private final Random random;
    private final float std;

    public SeededNormal(Random random, float std) {
        this.random = random;
        this.std = std;
    }

    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        // libtorch-owned, so the weights never depend on the lifetime of a Java buffer
        return NativeArrays.create(manager, values, shape).toType(dataType, false);
    }
}

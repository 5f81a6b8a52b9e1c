package dev.cpt.reward.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import dev.cpt.model.engine.NativeArrays;
import java.util.Random;

/** Normal(0, std) from a Java {@link Random}, so an encoder created with a seed is the same in every JVM. */
final class SeededNormal implements Initializer {
    private final Random random;
    private final float std;

    SeededNormal(Random random, float std) {
        this.random = random;
        this.std = std;
    }

    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        // libtorch-owned: the weights must not live in a Java buffer a GC can free (see NativeArrays)
        return NativeArrays.create(manager, values, shape).toType(dataType, false);
    }
}

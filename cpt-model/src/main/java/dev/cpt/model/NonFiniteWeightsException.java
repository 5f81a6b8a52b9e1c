package dev.cpt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import java.nio.file.Path;
import java.util.Map;

/**
 * A checkpoint whose files are intact but whose weights hold a NaN or an infinity: no step can make such a model
 * useful again, so it is refused rather than loaded.
 */
public final class NonFiniteWeightsException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    private NonFiniteWeightsException(String message) {
        super(message);
    }

    /** Throws when any weight is not finite, naming the first such parameter; checked in native memory. */
    static void check(Path dir, Map<String, Parameter> parameters) throws NonFiniteWeightsException {
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            NDArray weight = e.getValue().getArray();
            try (NDArray flat = weight.flatten();
                    NDArray nan = flat.isNaN();
                    NDArray infinite = flat.isInfinite();
                    NDArray bad = nan.logicalOr(infinite);
                    NDArray any = bad.any()) {
                if (any.getBoolean()) {
                    // argmax has no bool kernel
                    try (NDArray badInts = bad.toType(DataType.INT32, false);
                            NDArray first = badInts.argMax();
                            NDArray value = flat.get(first.getLong())) {
                        throw new NonFiniteWeightsException("checkpoint " + dir + " has a non-finite weight ("
                                + value.getFloat() + " at index " + first.getLong() + " of " + e.getKey() + ")");
                    }
                }
            }
        }
    }
}

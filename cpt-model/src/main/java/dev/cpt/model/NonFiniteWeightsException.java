package dev.cpt.model;

import dev.cpt.common.io.SafeTensors.Tensor;
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

    /** Throws when any weight in {@code tensors} is not finite, naming the first such tensor. */
    static void check(Path dir, Map<String, Tensor> tensors) throws NonFiniteWeightsException {
        for (var e : tensors.entrySet()) {
            float[] data = e.getValue().data();
            for (int i = 0; i < data.length; i++) {
                if (!Float.isFinite(data[i])) {
                    throw new NonFiniteWeightsException("checkpoint " + dir + " has a non-finite weight (" + data[i]
                            + " at index " + i + " of " + e.getKey() + ")");
                }
            }
        }
    }
}

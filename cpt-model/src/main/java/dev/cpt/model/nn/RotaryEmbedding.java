package dev.cpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cpt.model.engine.NativeArrays;

/**
 * Rotary position embeddings in Hugging Face Llama's convention: the angle of position p and pair i is p * f_i, the
 * cos/sin tables repeat the D/2 angles twice along the head ({@code cat(freqs, freqs)}), and a head vector x turns
 * into x * cos + rotate_half(x) * sin with rotate_half(x) = cat(-x[D/2:], x[:D/2]). Pairs are (i, i + D/2), not
 * adjacent channels as in the original RoFormer layout.
 */
public final class RotaryEmbedding implements AutoCloseable {

    private final NDArray inverseFrequencies;

    /** @param inverseFrequencies f_i, one per pair of head dimensions, already scaled */
    public RotaryEmbedding(NDManager manager, double[] inverseFrequencies) {
        float[] f = new float[inverseFrequencies.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) inverseFrequencies[i];
        }
        this.inverseFrequencies = NativeArrays.create(manager, f, new Shape(1, f.length));
    }

    /** The cos and sin tables [T, D] of positions 0..T-1, allocated in {@code manager}. */
    public NDList tables(NDManager manager, long positions) {
        return tables(manager, 0, positions);
    }

    /**
     * The cos and sin tables [T, D] of the absolute positions start..start+T-1, allocated in {@code manager}: what a
     * cached forward pass needs for the positions it feeds after the cached ones. Each row equals that position's row
     * of the tables from 0, as both compute the same float product of position and frequency.
     */
    public NDList tables(NDManager manager, long start, long positions) {
        // positions as a column [T, 1] against the frequencies as a row [1, D/2]: the angles [T, D/2]
        NDArray p = manager.arange((int) start, (int) (start + positions), 1, DataType.FLOAT32)
                .reshape(positions, 1);
        NDArray angles = p.mul(inverseFrequencies);
        // both halves of a head see the same angles
        NDArray full = angles.concat(angles, 1);
        return new NDList(full.cos(), full.sin());
    }

    /** Rotates heads x [.., T, D] by the tables [T, D]. */
    static NDArray apply(NDArray x, NDArray cos, NDArray sin) {
        int last = x.getShape().dimension() - 1;
        NDList halves = x.split(2, last);
        // rotate_half: (-second half, first half)
        NDArray rotated = halves.get(1).neg().concat(halves.get(0), last);
        return x.mul(cos).add(rotated.mul(sin));
    }

    @Override
    public void close() {
        inverseFrequencies.close();
    }
}

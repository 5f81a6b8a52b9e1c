package dev.cpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cpt.model.engine.NativeArrays;

/**
 * Every layer's keys and values of the positions a decoder has already run, so generation feeds each new position
 * once instead of re-running the whole window. Native arrays [B, heads, capacity, D] per layer, allocated once at
 * full capacity and written in place: appending by concatenation would copy the whole cache at every step. Keys are
 * stored as the attention uses them (after any rotary rotation at their absolute positions), at the number of
 * key/value heads the attention has (a grouped-query layer caches its {@code num_key_value_heads}, not one per
 * query head).
 *
 * <p>Positions 0..{@link #length()}-1 are filled; a decoder's cached forward writes the next ones in every layer,
 * then calls {@link #advance}. Not thread-safe.
 */
public final class KvCache implements AutoCloseable {

    private final NDArray[] keys;
    private final NDArray[] values;
    private final int capacity;
    private int length;

    /**
     * @param manager owns the cache arrays; they live until {@link #close}
     * @param capacity most positions the cache holds (prompt plus new tokens, at most the context length)
     */
    public KvCache(NDManager manager, int layers, long rows, int heads, int capacity, int headDim) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        Shape shape = new Shape(rows, heads, capacity, headDim);
        for (int i = 0; i < layers; i++) {
            keys[i] = manager.zeros(shape, DataType.FLOAT32);
            values[i] = manager.zeros(shape, DataType.FLOAT32);
        }
    }

    /** Positions already cached; the next position fed is this one. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Writes layer {@code layer}'s keys and values [B, heads, T, D] of the T positions being fed at {@link #length()}
     * onwards, and returns views of that layer's keys and values over every position up to and including them,
     * [B, heads, length + T, D].
     */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        long t = k.getShape().get(2);
        long end = length + t;
        if (end > capacity) {
            throw new IllegalStateException(
                    "the cache holds " + capacity + " positions; " + length + " + " + t + " do not fit");
        }
        NDIndex fresh = new NDIndex(":, :, {}:{}", length, end);
        keys[layer].set(fresh, k);
        values[layer].set(fresh, v);
        NDIndex filled = new NDIndex(":, :, :{}", end);
        return new NDArray[] {keys[layer].get(filled), values[layer].get(filled)};
    }

    /** Marks {@code t} more positions as filled, once every layer has appended them. */
    public void advance(int t) {
        if (length + t > capacity) {
            throw new IllegalStateException("advancing " + t + " past the capacity " + capacity);
        }
        length += t;
    }

    /**
     * Keeps only the given rows, in the given order, e.g. when the other sequences of a batch have finished: later
     * steps then feed and attend for the remaining rows alone. Call it outside any {@link ai.djl.ndarray.NDScope} that
     * closes before the cache does, as the cut arrays replace the cache's own.
     */
    public void keepRows(long[] rows) {
        try (NDArray index = NativeArrays.create(keys[0].getManager(), rows, new Shape(rows.length))) {
            for (int i = 0; i < keys.length; i++) {
                keys[i] = cut(keys[i], index);
                values[i] = cut(values[i], index);
            }
        }
    }

    private static NDArray cut(NDArray array, NDArray index) {
        try (NDArray old = array) {
            return old.get(index);
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < keys.length; i++) {
            keys[i].close();
            values[i].close();
        }
    }
}

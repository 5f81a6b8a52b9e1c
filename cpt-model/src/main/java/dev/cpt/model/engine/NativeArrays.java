package dev.cpt.model.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Creates tensors whose memory libtorch owns.
 *
 * <p>On CPU, DJL's {@code NDManager.create(float[]/long[]/Number ...)} does not copy the data into
 * libtorch: it wraps a Java direct {@code ByteBuffer} with {@code torch::from_blob} and keeps the
 * buffer alive only through a field of that one {@code PtNDArray}. Once the Java array is closed
 * (or {@code intern}ed into another array, which drops the field) the JVM's cleaner may free the
 * buffer at the next GC, while libtorch can still hold the storage: autograd saves operands for the
 * backward pass, and an interned parameter keeps using it as its weights. The memory is then
 * reused (malloc bookkeeping, other buffers), and libtorch silently reads garbage.
 *
 * <p>The classic trap is DJL's scalar arithmetic: {@code x.mul(0.5f)} creates a from_blob scalar,
 * runs {@code x * scalar} and closes the scalar at once, but {@code MulBackward} saved it; a GC
 * between forward and backward turns the gradient into {@code grad * garbage}. So: never use
 * DJL's {@code op(Number)} on a path autograd records, and never keep a from_blob tensor beyond
 * the Java array that holds its buffer. Use {@link #scalar} and {@link #create} instead.
 */
public final class NativeArrays {

    private NativeArrays() {}

    /** A 0-d float32 tensor allocated by libtorch ({@code torch::full}); safe to close any time. */
    public static NDArray scalar(NDManager manager, float value) {
        return manager.full(new Shape(), value, DataType.FLOAT32);
    }

    /** A float32 tensor holding a copy of {@code data} in libtorch-owned memory. */
    public static NDArray create(NDManager manager, float[] data, Shape shape) {
        return owned(manager.create(data, shape));
    }

    /** An int64 tensor holding a copy of {@code data} in libtorch-owned memory. */
    public static NDArray create(NDManager manager, long[] data, Shape shape) {
        return owned(manager.create(data, shape));
    }

    /**
     * Returns a libtorch-owned copy of {@code fromJava} (one native memcpy) attached to the same
     * manager, and closes {@code fromJava}.
     */
    public static NDArray owned(NDArray fromJava) {
        try (NDArray borrowed = fromJava) {
            return borrowed.duplicate();
        }
    }
}

package dev.cpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.cpt.model.Precision;

/**
 * A parameter store that also carries the {@link Precision} of one forward pass, so the blocks that multiply matrices
 * find it where they already find their weights, without a setting threaded through every block's inputs.
 */
public final class PrecisionStore extends ParameterStore {

    private static final NDIndex ALL = new NDIndex("...");

    private final Precision precision;

    public PrecisionStore(NDManager manager, Precision precision) {
        super(manager, false);
        this.precision = precision;
    }

    /** The data type matrix products run in under {@code ps}: float32 unless it is a store of another precision. */
    static DataType matmulType(ParameterStore ps) {
        return ps instanceof PrecisionStore p ? p.precision.matmulType() : DataType.FLOAT32;
    }

    /**
     * {@code x @ w^T + b} in one addmm kernel, computed in {@code ps}'s matmul type and handed back in {@code w}'s
     * (the float32 master weights), whose gradient arrives in float32.
     */
    static NDArray linear(ParameterStore ps, NDArray x, NDArray w, NDArray b) {
        DataType compute = matmulType(ps);
        if (compute == w.getDataType()) {
            return x.getNDArrayInternal().linear(x, w, b).head();
        }
        NDManager scratch = x.getManager();
        NDArray y = x.getNDArrayInternal()
                .linear(
                        cast(x, compute, scratch),
                        cast(w, compute, scratch),
                        b == null ? null : cast(b, compute, scratch))
                .head();
        return cast(y, w.getDataType(), scratch);
    }

    /**
     * {@code x} as {@code type}, through autograd: copied into a new array of {@code manager} (the pass's, never the
     * weights' own, which lives as long as the model) by {@code index_put_}, whose backward hands the gradient back to
     * {@code x} in x's type. DJL's {@code toType} would cut the graph: its JNI casts under no-grad.
     */
    static NDArray cast(NDArray x, DataType type, NDManager manager) {
        if (x.getDataType() == type) {
            return x;
        }
        NDArray y = manager.create(x.getShape(), type);
        y.set(ALL, x);
        return y;
    }
}

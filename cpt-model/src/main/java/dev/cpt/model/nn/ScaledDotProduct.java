package dev.cpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;

/**
 * The attention step both families share: queries attending over keys and values, heads merged back. GPT-2's
 * multi-head attention is the case of as many key/value heads as query heads (groups of one).
 */
final class ScaledDotProduct {

    private ScaledDotProduct() {}

    /**
     * Queries [B, H, T, D] (already scaled) attending over keys and values [B, KV, L, D], KV dividing H, merged to
     * [B, T, H * D]. The queries are grouped by the key/value head they share [B, KV, G, T, D] and keys and values get
     * a broadcast axis [B, KV, 1, L, D], so matmul pairs them without copying each key/value head G times. {@code
     * mask} is added to the scores [B, KV, G, T, L] (future positions get -inf, so softmax gives them zero weight), or
     * null where every position may be seen.
     */
    static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray mask) {
        return attend(q, k, v, mask, q.getDataType());
    }

    /**
     * As {@link #attend(NDArray, NDArray, NDArray, NDArray)} with both products in {@code compute}: the scores come
     * back to q's type before the mask and the softmax, so those stay float32 under a float16 pass, and so does the
     * result.
     */
    private static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray mask, DataType compute) {
        DataType master = q.getDataType();
        NDManager scratch = q.getManager();
        long b = q.getShape().get(0);
        long heads = q.getShape().get(1);
        long t = q.getShape().get(2);
        long headDim = q.getShape().get(3);
        long kvHeads = k.getShape().get(1);
        NDArray grouped = PrecisionStore.cast(q.reshape(b, kvHeads, heads / kvHeads, t, headDim), compute, scratch);
        NDArray keys = PrecisionStore.cast(k.expandDims(2).transpose(0, 1, 2, 4, 3), compute, scratch);
        NDArray scores = PrecisionStore.cast(grouped.matMul(keys), master, scratch);
        NDArray weights = (mask == null ? scores : scores.add(mask)).softmax(4);
        // weighted values, back to one axis of H = KV * G heads in query-head order [B, H, T, D]
        NDArray values = PrecisionStore.cast(v.expandDims(2), compute, scratch);
        NDArray y = PrecisionStore.cast(
                        PrecisionStore.cast(weights, compute, scratch).matMul(values), master, scratch)
                .reshape(b, heads, t, headDim);
        // heads merged back into the residual width [B, T, H * D]
        return y.transpose(0, 2, 1, 3).reshape(b, t, heads * headDim);
    }

    /** As {@link #attend(NDArray, NDArray, NDArray, NDArray)}, then {@code out} projects the merged heads back onto the residual stream. */
    static NDArray attend(
            Linear out, ParameterStore ps, NDArray q, NDArray k, NDArray v, NDArray mask, boolean training) {
        return out.forward(ps, new NDList(attend(q, k, v, mask, PrecisionStore.matmulType(ps))), training)
                .head();
    }
}

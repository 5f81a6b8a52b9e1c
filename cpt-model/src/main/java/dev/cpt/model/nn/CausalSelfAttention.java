package dev.cpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.cpt.model.engine.NativeArrays;

/**
 * Multi-head causal self-attention with GPT-2's fused query/key/value projection ({@code c_attn})
 * and output projection ({@code c_proj}).
 *
 * <p>Inputs: the normalised residual stream [B, T, C] and an additive causal mask [T, T] (0 on and
 * below the diagonal, -inf above). Output: [B, T, C].
 */
public final class CausalSelfAttention extends AbstractBlock {

    private final int heads;
    private final int headDim;
    private final float scale;
    private final Linear cAttn;
    private final Linear cProj;

    CausalSelfAttention(int embedDim, int heads, Initializer init, Initializer residualInit) {
        this.heads = heads;
        this.headDim = embedDim / heads;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
        cAttn = addChildBlock("c_attn", new Linear(embedDim, 3 * embedDim, init));
        cProj = addChildBlock("c_proj", new Linear(embedDim, embedDim, residualInit));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray mask = inputs.get(1);
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        // one matmul yields q, k and v side by side: [B, T, 3C]
        NDArray qkv = cAttn.forward(ps, new NDList(x), training).head();
        // cut the last axis into the three C-wide slabs
        NDList parts = qkv.split(3, 2);
        // [B, T, C] -> [B, H, T, D]; q is pre-scaled by 1/sqrt(D), cheaper than scaling [T, T] scores.
        // The factor is a libtorch-owned tensor: MulBackward keeps it until the backward pass, and
        // DJL's q.mul(float) would hand it a Java buffer that a GC can free before then.
        NDArray q = splitHeads(parts.get(0), b, t).mul(NativeArrays.scalar(x.getManager(), scale));
        NDArray k = splitHeads(parts.get(1), b, t);
        NDArray v = splitHeads(parts.get(2), b, t);
        return new NDList(ScaledDotProduct.attend(cProj, ps, q, k, v, mask, training));
    }

    /**
     * The attention of T new positions after the {@code cache.length()} cached ones, without gradients: their keys
     * and values join layer {@code layer}'s cache and the queries attend over every cached position. {@code mask} is
     * the causal mask [T, length + T] of the new rows, or null when T is 1.
     */
    NDArray decode(ParameterStore ps, NDArray x, NDArray mask, KvCache cache, int layer) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        NDList parts = cAttn.forward(ps, new NDList(x), false).head().split(3, 2);
        NDArray q = splitHeads(parts.get(0), b, t).mul(NativeArrays.scalar(x.getManager(), scale));
        // the new keys and values [B, H, T, D] join the cache, which hands back every position so far [B, H, L, D]
        NDArray[] kv = cache.append(layer, splitHeads(parts.get(1), b, t), splitHeads(parts.get(2), b, t));
        return ScaledDotProduct.attend(cProj, ps, q, kv[0], kv[1], mask, false);
    }

    void collectParameters(String prefix, java.util.Map<String, ai.djl.nn.Parameter> into) {
        cAttn.collectParameters(prefix + "c_attn.", into);
        cProj.collectParameters(prefix + "c_proj.", into);
    }

    private NDArray splitHeads(NDArray x, long b, long t) {
        return x.reshape(b, t, heads, headDim).transpose(0, 2, 1, 3);
    }

    /** Additive causal mask for up to {@code size} positions: 0 where j <= i, -inf where j > i. */
    public static NDArray causalMask(NDManager manager, int size) {
        float[] m = new float[size * size];
        for (int i = 0; i < size; i++) {
            for (int j = i + 1; j < size; j++) {
                m[i * size + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return NativeArrays.create(manager, m, new Shape(size, size));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        cAttn.initialize(manager, dataType, inputShapes[0]);
        Shape s = inputShapes[0];
        cProj.initialize(manager, dataType, s);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}

package dev.cpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.cpt.model.LlamaConfig;
import dev.cpt.model.engine.NativeArrays;
import java.util.Map;

/**
 * Llama's causal self-attention: separate {@code q_proj}, {@code k_proj}, {@code v_proj} and {@code o_proj}, rotary
 * positions on queries and keys, and grouped-query attention, where each key/value head serves {@code heads /
 * kvHeads} consecutive query heads (Hugging Face's {@code repeat_kv} pairing, query head h with key/value head h / G).
 *
 * <p>Inputs: the normalised residual stream [B, T, C], the additive causal mask [T, T] and the rotary cos and sin
 * tables [T, D]. Output: [B, T, C].
 */
public final class GroupedQueryAttention extends AbstractBlock {

    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float scale;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear oProj;

    GroupedQueryAttention(LlamaConfig c, Initializer init) {
        this.heads = c.heads();
        this.kvHeads = c.kvHeads();
        this.headDim = c.headDim();
        this.scale = (float) (1.0 / Math.sqrt(headDim));
        qProj = addChildBlock("q_proj", new Linear(c.hiddenSize(), heads * headDim, init, c.qkvBias()));
        kProj = addChildBlock("k_proj", new Linear(c.hiddenSize(), kvHeads * headDim, init, c.qkvBias()));
        vProj = addChildBlock("v_proj", new Linear(c.hiddenSize(), kvHeads * headDim, init, c.qkvBias()));
        oProj = addChildBlock("o_proj", new Linear(heads * headDim, c.hiddenSize(), init, c.outputBias()));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray mask = inputs.get(1);
        NDArray cos = inputs.get(2);
        NDArray sin = inputs.get(3);
        // rotated queries [B, H, T, D], scaled by 1/sqrt(D) here rather than on the [T, T] scores; the factor is
        // libtorch-owned because MulBackward keeps it (see NativeArrays)
        NDArray q = RotaryEmbedding.apply(project(qProj, ps, x, heads, training), cos, sin)
                .mul(NativeArrays.scalar(x.getManager(), scale));
        // rotated keys and plain values [B, KV, T, D]
        NDArray k = RotaryEmbedding.apply(project(kProj, ps, x, kvHeads, training), cos, sin);
        NDArray v = project(vProj, ps, x, kvHeads, training);
        return new NDList(ScaledDotProduct.attend(oProj, ps, q, k, v, mask, training));
    }

    /**
     * The attention of T new positions at absolute positions {@code cache.length()} onwards, without gradients: their
     * keys and values join layer {@code layer}'s cache and the queries attend over every cached position. {@code
     * mask} is the causal mask [T, length + T] of the new rows, or null when T is 1 (a single new position sees every
     * cached one); {@code cos} and {@code sin} are the rotary tables [T, D] of the new positions.
     */
    NDArray decode(ParameterStore ps, NDArray x, NDArray mask, NDArray cos, NDArray sin, KvCache cache, int layer) {
        // rotated, scaled queries [B, H, T, D], as in forwardInternal
        NDArray q = RotaryEmbedding.apply(project(qProj, ps, x, heads, false), cos, sin)
                .mul(NativeArrays.scalar(x.getManager(), scale));
        // the new keys, rotated at their absolute positions, and values [B, KV, T, D] join the cache, which hands
        // back every position so far [B, KV, L, D]
        NDArray[] kv = cache.append(
                layer,
                RotaryEmbedding.apply(project(kProj, ps, x, kvHeads, false), cos, sin),
                project(vProj, ps, x, kvHeads, false));
        return ScaledDotProduct.attend(oProj, ps, q, kv[0], kv[1], mask, false);
    }

    /** One projection split into heads: [B, T, C] -> [B, n, T, D]. */
    private NDArray project(Linear proj, ParameterStore ps, NDArray x, int n, boolean training) {
        NDArray y = proj.forward(ps, new NDList(x), training).head();
        return y.reshape(x.getShape().get(0), x.getShape().get(1), n, headDim).transpose(0, 2, 1, 3);
    }

    void collectParameters(String prefix, Map<String, Parameter> into) {
        qProj.collectParameters(prefix + "q_proj.", into);
        kProj.collectParameters(prefix + "k_proj.", into);
        vProj.collectParameters(prefix + "v_proj.", into);
        oProj.collectParameters(prefix + "o_proj.", into);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        qProj.initialize(manager, dataType, x);
        kProj.initialize(manager, dataType, x);
        vProj.initialize(manager, dataType, x);
        oProj.initialize(manager, dataType, qProj.getOutputShapes(new Shape[] {x})[0]);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}

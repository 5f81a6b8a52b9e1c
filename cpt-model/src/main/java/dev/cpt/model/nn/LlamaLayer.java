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
import java.util.Map;

/**
 * One Llama decoder layer: x + attn(input_layernorm(x)), then x + mlp(post_attention_layernorm(x)).
 *
 * <p>Inputs: the residual stream [B, T, C], the causal mask [T, T] and the rotary tables [T, D]. Output: [B, T, C].
 */
public final class LlamaLayer extends AbstractBlock {

    private final RmsNorm inputNorm;
    private final GroupedQueryAttention attention;
    private final RmsNorm postAttentionNorm;
    private final SwiGluMlp mlp;

    LlamaLayer(LlamaConfig c, Initializer init) {
        inputNorm = addChildBlock("input_layernorm", new RmsNorm(c.hiddenSize(), c.rmsNormEps()));
        attention = addChildBlock("self_attn", new GroupedQueryAttention(c, init));
        postAttentionNorm = addChildBlock("post_attention_layernorm", new RmsNorm(c.hiddenSize(), c.rmsNormEps()));
        mlp = addChildBlock("mlp", new SwiGluMlp(c.hiddenSize(), c.intermediateSize(), init));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        // the mask and the rotary tables that travel with the stream
        NDList positions = inputs.subNDList(1);
        // attention over input_layernorm(x) added to the residual stream
        NDArray h = PreNorm.residual(ps, inputs.get(0), inputNorm, attention, positions, training);
        // MLP over post_attention_layernorm(h) added to the residual stream
        return new NDList(PreNorm.residual(ps, h, postAttentionNorm, mlp, new NDList(), training));
    }

    /** The layer on T new positions with the attention reading and extending {@code cache} (see forwardInternal). */
    NDArray decode(ParameterStore ps, NDArray x, NDArray mask, NDArray cos, NDArray sin, KvCache cache, int layer) {
        NDArray normed = inputNorm.forward(ps, new NDList(x), false).head();
        NDArray h = x.add(attention.decode(ps, normed, mask, cos, sin, cache, layer));
        return PreNorm.residual(ps, h, postAttentionNorm, mlp, new NDList(), false);
    }

    void collectParameters(String prefix, Map<String, Parameter> into) {
        attention.collectParameters(prefix + "self_attn.", into);
        mlp.collectParameters(prefix + "mlp.", into);
        inputNorm.collectParameters(prefix + "input_layernorm.", into);
        postAttentionNorm.collectParameters(prefix + "post_attention_layernorm.", into);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        inputNorm.initialize(manager, dataType, x);
        attention.initialize(manager, dataType, inputShapes);
        postAttentionNorm.initialize(manager, dataType, x);
        mlp.initialize(manager, dataType, x);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}

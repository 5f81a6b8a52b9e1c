package dev.cpt.reward.encoder;

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
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.nn.LayerNormBlock;
import dev.cpt.model.nn.Linear;
import java.util.Map;

/**
 * One post-LN BERT block: bidirectional multi-head self-attention, residual, LayerNorm; GELU feed-forward, residual,
 * LayerNorm. Inputs: the residual stream [B, T, C] and an additive key mask [B, 1, 1, T] (0 for real tokens, a large
 * negative number for padding). Output: [B, T, C].
 */
final class BertLayer extends AbstractBlock {
    private final int heads;
    private final int headDim;
    private final float scale;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear attentionOut;
    private final LayerNormBlock attentionNorm;
    private final Linear intermediate;
    private final Linear output;
    private final LayerNormBlock outputNorm;

    BertLayer(BertConfig config, Initializer init) {
        int c = config.hiddenSize();
        this.heads = config.heads();
        this.headDim = c / heads;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
        query = addChildBlock("query", new Linear(c, c, init));
        key = addChildBlock("key", new Linear(c, c, init));
        value = addChildBlock("value", new Linear(c, c, init));
        attentionOut = addChildBlock("attention_output", new Linear(c, c, init));
        attentionNorm = addChildBlock("attention_norm", new LayerNormBlock(c, config.layerNormEps()));
        intermediate = addChildBlock("intermediate", new Linear(c, config.intermediateSize(), init));
        output = addChildBlock("output", new Linear(config.intermediateSize(), c, init));
        outputNorm = addChildBlock("output_norm", new LayerNormBlock(c, config.layerNormEps()));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray keyMask = inputs.get(1);
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        long c = x.getShape().get(2);
        // queries, keys, values per head [B, H, T, D]; q pre-scaled by 1/sqrt(D) with a libtorch-owned factor
        // (autograd keeps it; see NativeArrays for why DJL's mul(float) is unsafe)
        NDArray q = heads(query, ps, x, training, b, t).mul(NativeArrays.scalar(x.getManager(), scale));
        NDArray k = heads(key, ps, x, training, b, t);
        NDArray v = heads(value, ps, x, training, b, t);
        // every token attends to every real token, both directions; padding keys get ~zero weight
        NDArray weights = q.matMul(k.transpose(0, 1, 3, 2)).add(keyMask).softmax(3);
        // weighted values, heads merged back into [B, T, C]
        NDArray merged = weights.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, c);
        // output projection, residual, LayerNorm (post-LN, as BERT)
        NDArray attended =
                attentionOut.forward(ps, new NDList(merged), training).head();
        NDArray h =
                attentionNorm.forward(ps, new NDList(x.add(attended)), training).head();
        // feed-forward with BERT's exact (erf) GELU
        NDArray ff = intermediate
                .forward(ps, new NDList(h), training)
                .head()
                .getNDArrayInternal()
                .gelu();
        NDArray projected = output.forward(ps, new NDList(ff), training).head();
        // residual and LayerNorm again
        return outputNorm.forward(ps, new NDList(h.add(projected)), training);
    }

    private NDArray heads(Linear projection, ParameterStore ps, NDArray x, boolean training, long b, long t) {
        return projection
                .forward(ps, new NDList(x), training)
                .head()
                .reshape(b, t, heads, headDim)
                .transpose(0, 2, 1, 3);
    }

    /** Adds this layer's parameters under {@code encoder.layer.N.}-style Hugging Face names. */
    void collect(String prefix, Map<String, Parameter> into) {
        query.collectParameters(prefix + "attention.self.query.", into);
        key.collectParameters(prefix + "attention.self.key.", into);
        value.collectParameters(prefix + "attention.self.value.", into);
        attentionOut.collectParameters(prefix + "attention.output.dense.", into);
        attentionNorm.collectParameters(prefix + "attention.output.LayerNorm.", into);
        intermediate.collectParameters(prefix + "intermediate.dense.", into);
        output.collectParameters(prefix + "output.dense.", into);
        outputNorm.collectParameters(prefix + "output.LayerNorm.", into);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        for (var child : getChildren().values()) {
            child.initialize(manager, dataType, x);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}

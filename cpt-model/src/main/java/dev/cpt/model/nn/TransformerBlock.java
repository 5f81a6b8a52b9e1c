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

/** One pre-LayerNorm GPT-2 block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
public final class TransformerBlock extends AbstractBlock {

    private final LayerNormBlock ln1;
    private final CausalSelfAttention attn;
    private final LayerNormBlock ln2;
    private final Mlp mlp;

    TransformerBlock(int embedDim, int heads, float eps, Initializer init, Initializer residualInit) {
        ln1 = addChildBlock("ln_1", new LayerNormBlock(embedDim, eps));
        attn = addChildBlock("attn", new CausalSelfAttention(embedDim, heads, init, residualInit));
        ln2 = addChildBlock("ln_2", new LayerNormBlock(embedDim, eps));
        mlp = addChildBlock("mlp", new Mlp(embedDim, 4 * embedDim, init, residualInit));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray mask = inputs.get(1);
        // attention over ln_1(x), which also reads the mask, added to the residual stream
        NDArray h = PreNorm.residual(ps, x, ln1, attn, new NDList(mask), training);
        // MLP over ln_2(h) added to the residual stream
        return new NDList(PreNorm.residual(ps, h, ln2, mlp, new NDList(), training));
    }

    /** The block on T new positions with the attention reading and extending {@code cache} (see forwardInternal). */
    NDArray decode(ParameterStore ps, NDArray x, NDArray mask, KvCache cache, int layer) {
        NDArray h = x.add(attn.decode(ps, ln1.forward(ps, new NDList(x), false).head(), mask, cache, layer));
        return PreNorm.residual(ps, h, ln2, mlp, new NDList(), false);
    }

    void collectParameters(String prefix, java.util.Map<String, ai.djl.nn.Parameter> into) {
        ln1.collectParameters(prefix + "ln_1.", into);
        attn.collectParameters(prefix + "attn.", into);
        ln2.collectParameters(prefix + "ln_2.", into);
        mlp.collectParameters(prefix + "mlp.", into);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        ln1.initialize(manager, dataType, x);
        attn.initialize(manager, dataType, x, inputShapes[1]);
        ln2.initialize(manager, dataType, x);
        mlp.initialize(manager, dataType, x);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}

package dev.cpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.cpt.model.GptConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The whole GPT-2 decoder: token and position embeddings, {@code n_layer} blocks, final LayerNorm
 * and an output projection that reuses the token embedding matrix (tied weights).
 *
 * <p>Inputs: token ids [B, T] (int64) and the additive causal mask [T, T]. Output: logits [B, T,
 * V].
 */
public final class GptBlock extends AbstractBlock {

    /** GPT-2's initialisation scale for all matrices and embeddings. */
    private static final float INIT_STD = 0.02f;

    private final GptConfig config;
    private final Parameter wte;
    private final Parameter wpe;
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final LayerNormBlock lnF;

    public GptBlock(GptConfig config, long seed) {
        this.config = config;
        Random random = new Random(seed);
        SeededNormal init = new SeededNormal(random, INIT_STD);
        // GPT-2 shrinks the projections that write into the residual stream by 1/sqrt(2 * n_layer)
        // so the stream's variance does not grow with depth.
        SeededNormal residualInit = new SeededNormal(random, (float) (INIT_STD / Math.sqrt(2.0 * config.layers())));
        wte = addParameter(Parameter.builder()
                .setName("wte")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(config.vocabSize(), config.embedDim()))
                .optInitializer(init)
                .build());
        wpe = addParameter(Parameter.builder()
                .setName("wpe")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(config.contextLength(), config.embedDim()))
                .optInitializer(new SeededNormal(random, 0.01f))
                .build());
        for (int i = 0; i < config.layers(); i++) {
            blocks.add(addChildBlock(
                    "h" + i,
                    new TransformerBlock(
                            config.embedDim(), config.heads(), config.layerNormEpsilon(), init, residualInit)));
        }
        lnF = addChildBlock("ln_f", new LayerNormBlock(config.embedDim(), config.layerNormEpsilon()));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.get(0);
        NDArray mask = inputs.get(1);
        long t = ids.getShape().get(1);
        NDArray tokenTable = ps.getValue(wte, ids.getDevice(), training);
        NDArray positionTable = ps.getValue(wpe, ids.getDevice(), training);
        // token embeddings [B, T, C]
        NDArray tok = ids.getNDArrayInternal()
                .embedding(ids, tokenTable, SparseFormat.DENSE)
                .head();
        // the first T learned positions [T, C], broadcast over the batch
        NDArray x = tok.add(positionTable.get(new NDIndex("0:{}", t)));
        for (TransformerBlock block : blocks) {
            // each block reads and rewrites the residual stream
            x = block.forward(ps, new NDList(x, mask), training).head();
        }
        // final LayerNorm
        NDArray h = lnF.forward(ps, new NDList(x), training).head();
        // tied output head: logits = h @ wte^T, no bias
        return new NDList(PrecisionStore.linear(ps, h, tokenTable, null));
    }

    /** An empty cache for {@code rows} sequences of up to {@code capacity} positions. */
    public KvCache newCache(NDManager manager, long rows, int capacity) {
        return new KvCache(manager, blocks.size(), rows, config.heads(), capacity, config.headDim());
    }

    /**
     * Logits [B, V] of the last of T new token ids [B, T] fed at positions {@code cache.length()} onwards, reading
     * and extending {@code cache}, without gradients. {@code mask} is the causal mask [T, length + T] of the new rows,
     * or null when T is 1. The caller advances the cache afterwards.
     */
    public NDArray decode(ParameterStore ps, NDArray ids, NDArray mask, KvCache cache) {
        long t = ids.getShape().get(1);
        int start = cache.length();
        NDArray tokenTable = ps.getValue(wte, ids.getDevice(), false);
        NDArray positionTable = ps.getValue(wpe, ids.getDevice(), false);
        // token embeddings [B, T, C] plus the learned positions of the new tokens [T, C]
        NDArray x = ids.getNDArrayInternal()
                .embedding(ids, tokenTable, SparseFormat.DENSE)
                .head()
                .add(positionTable.get(new NDIndex("{}:{}", start, start + t)));
        for (int i = 0; i < blocks.size(); i++) {
            x = blocks.get(i).decode(ps, x, mask, cache, i);
        }
        // only the last position is sampled from: normalise it alone and project it on the tied head [B, V]
        NDArray last = x.get(new NDIndex(":, -1"));
        NDArray h = lnF.forward(ps, new NDList(last), false).head();
        return PrecisionStore.linear(ps, h, tokenTable, null);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape ids = inputShapes[0];
        Shape x = PreNorm.perToken(ids, config.embedDim());
        for (TransformerBlock block : blocks) {
            block.initialize(manager, dataType, x, inputShapes[1]);
        }
        lnF.initialize(manager, dataType, x);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {PreNorm.perToken(inputShapes[0], config.vocabSize())};
    }

    /** The additive causal mask for the full context; forward passes slice [T, T] views of it. */
    public NDArray createCausalMask(NDManager manager) {
        return CausalSelfAttention.causalMask(manager, config.contextLength());
    }

    public GptConfig config() {
        return config;
    }

    /**
     * Every trainable parameter under its GPT-2 tensor name ({@code wte.weight}, {@code
     * h.0.attn.c_attn.weight}, ...), in GPT-2's order. Each block names its own parameters, so
     * the mapping does not depend on DJL's internal child-block naming.
     */
    public Map<String, Parameter> gpt2Parameters() {
        Map<String, Parameter> named = new LinkedHashMap<>();
        named.put("wte.weight", wte);
        named.put("wpe.weight", wpe);
        for (int i = 0; i < blocks.size(); i++) {
            blocks.get(i).collectParameters("h." + i + ".", named);
        }
        lnF.collectParameters("ln_f.", named);
        if (named.size() != getParameters().size()) {
            throw new IllegalStateException("GPT-2 name map covers " + named.size() + " of "
                    + getParameters().size() + " parameters");
        }
        return named;
    }
}

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
import dev.cpt.model.LlamaConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The whole Llama-family decoder: token embeddings (no learned positions; rotary tables come in as inputs), {@code
 * num_hidden_layers} {@link LlamaLayer}s, the final RMSNorm and the output head, which is either {@code lm_head} or,
 * tied, the embedding matrix itself.
 *
 * <p>Inputs: token ids [B, T] (int64), the additive causal mask [T, T] and the rotary cos and sin tables [T, D].
 * Output: logits [B, T, V].
 */
public final class LlamaNetwork extends AbstractBlock {

    /** Hugging Face's {@code initializer_range} default: every matrix and the embeddings start as Normal(0, 0.02). */
    private static final float INIT_STD = 0.02f;

    private final LlamaConfig config;
    private final Parameter embedTokens;
    private final List<LlamaLayer> layers = new ArrayList<>();
    private final RmsNorm norm;
    private final Linear lmHead;

    public LlamaNetwork(LlamaConfig config, long seed) {
        this.config = config;
        SeededNormal init = new SeededNormal(new Random(seed), INIT_STD);
        embedTokens = addParameter(Parameter.builder()
                .setName("embed_tokens")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(config.vocabSize(), config.hiddenSize()))
                .optInitializer(init)
                .build());
        for (int i = 0; i < config.layers(); i++) {
            layers.add(addChildBlock("layer" + i, new LlamaLayer(config, init)));
        }
        norm = addChildBlock("norm", new RmsNorm(config.hiddenSize(), config.rmsNormEps()));
        lmHead = config.tieWordEmbeddings()
                ? null
                : addChildBlock("lm_head", new Linear(config.hiddenSize(), config.vocabSize(), init, false));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.get(0);
        NDArray table = ps.getValue(embedTokens, ids.getDevice(), training);
        // token embeddings [B, T, C]
        NDArray x = ids.getNDArrayInternal()
                .embedding(ids, table, SparseFormat.DENSE)
                .head();
        for (LlamaLayer layer : layers) {
            // each layer reads and rewrites the residual stream
            x = layer.forward(ps, new NDList(x, inputs.get(1), inputs.get(2), inputs.get(3)), training)
                    .head();
        }
        // final RMSNorm
        NDArray h = norm.forward(ps, new NDList(x), training).head();
        if (lmHead != null) {
            return lmHead.forward(ps, new NDList(h), training);
        }
        // tied head: logits = h @ embed_tokens^T
        return new NDList(PrecisionStore.linear(ps, h, table, null));
    }

    /** An empty cache for {@code rows} sequences of up to {@code capacity} positions, at the key/value heads. */
    public KvCache newCache(NDManager manager, long rows, int capacity) {
        return new KvCache(manager, layers.size(), rows, config.kvHeads(), capacity, config.headDim());
    }

    /**
     * Logits [B, V] of the last of T new token ids [B, T] fed at positions {@code cache.length()} onwards, reading
     * and extending {@code cache}, without gradients. {@code mask} is the causal mask [T, length + T] of the new rows
     * (null when T is 1); {@code cos} and {@code sin} the rotary tables [T, D] of the new positions. The caller
     * advances the cache afterwards.
     */
    public NDArray decode(ParameterStore ps, NDArray ids, NDArray mask, NDArray cos, NDArray sin, KvCache cache) {
        NDArray table = ps.getValue(embedTokens, ids.getDevice(), false);
        NDArray x = ids.getNDArrayInternal()
                .embedding(ids, table, SparseFormat.DENSE)
                .head();
        for (int i = 0; i < layers.size(); i++) {
            x = layers.get(i).decode(ps, x, mask, cos, sin, cache, i);
        }
        // only the last position is sampled from: normalise it alone and project it [B, V]
        NDArray last = x.get(new NDIndex(":, -1"));
        NDArray h = norm.forward(ps, new NDList(last), false).head();
        if (lmHead != null) {
            return lmHead.forward(ps, new NDList(h), false).head();
        }
        return PrecisionStore.linear(ps, h, table, null);
    }

    /**
     * Every trainable parameter under its Hugging Face name ({@code model.embed_tokens.weight}, {@code
     * model.layers.0.self_attn.q_proj.weight}, ..., {@code lm_head.weight} when untied).
     */
    public Map<String, Parameter> huggingFaceParameters() {
        Map<String, Parameter> named = new LinkedHashMap<>();
        named.put("model.embed_tokens.weight", embedTokens);
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).collectParameters("model.layers." + i + ".", named);
        }
        norm.collectParameters("model.norm.", named);
        if (lmHead != null) {
            lmHead.collectParameters("lm_head.", named);
        }
        if (named.size() != getParameters().size()) {
            throw new IllegalStateException(
                    "name map covers " + named.size() + " of " + getParameters().size() + " parameters");
        }
        return named;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape ids = inputShapes[0];
        Shape x = PreNorm.perToken(ids, config.hiddenSize());
        for (LlamaLayer layer : layers) {
            layer.initialize(manager, dataType, x, inputShapes[1], inputShapes[2], inputShapes[3]);
        }
        norm.initialize(manager, dataType, x);
        if (lmHead != null) {
            lmHead.initialize(manager, dataType, x);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {PreNorm.perToken(inputShapes[0], config.vocabSize())};
    }
}

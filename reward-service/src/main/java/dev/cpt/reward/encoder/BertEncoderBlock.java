package dev.cpt.reward.encoder;

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
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.nn.LayerNormBlock;
import dev.cpt.model.nn.SeededNormal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * BERT's encoder with sentence-transformers' head on top: word + position + token-type embeddings, LayerNorm,
 * {@code layers} post-LN blocks, then the {@link Pooling} of the last hidden states over the real (unmasked) tokens,
 * then, if the head says so, scaling to unit L2 norm (sentence-transformers' {@code Normalize}).
 *
 * <p>Inputs: token ids [B, T] (int64), token types [B, T] (int64), the attention mask as float [B, T] (1 real, 0
 * padding) and the same mask as an additive key bias [B, 1, 1, T]. Output: sentence embeddings [B, C].
 */
final class BertEncoderBlock extends AbstractBlock {
    /** BERT's initialisation scale for all matrices and embedding tables. */
    private static final float INIT_STD = 0.02f;

    /** sentence-transformers' Normalize divides by max(norm, 1e-12), so a zero vector stays zero. */
    private static final float NORM_EPS = 1e-12f;

    private final BertConfig config;
    private final Pooling pooling;
    private final boolean normalize;
    private final Parameter words;
    private final Parameter positions;
    private final Parameter types;
    private final LayerNormBlock embeddingNorm;
    private final List<BertLayer> layers = new ArrayList<>();

    BertEncoderBlock(BertConfig config, EncoderHead head, long seed) {
        this.config = config;
        this.pooling = head.pooling();
        this.normalize = head.normalize();
        Initializer init = new SeededNormal(new Random(seed), INIT_STD);
        int c = config.hiddenSize();
        words = addParameter(table("word_embeddings", config.vocabSize(), c, init));
        positions = addParameter(table("position_embeddings", config.maxPositions(), c, init));
        types = addParameter(table("token_type_embeddings", config.typeVocabSize(), c, init));
        embeddingNorm = addChildBlock("embedding_norm", new LayerNormBlock(c, config.layerNormEps()));
        for (int i = 0; i < config.layers(); i++) {
            layers.add(addChildBlock("layer" + i, new BertLayer(config, init)));
        }
    }

    private static Parameter table(String name, int rows, int width, Initializer init) {
        return Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(rows, width))
                .optInitializer(init)
                .build();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.get(0);
        NDArray typeIds = inputs.get(1);
        NDArray mask = inputs.get(2);
        NDArray keyMask = inputs.get(3);
        long t = ids.getShape().get(1);
        // word embeddings [B, T, C]
        NDArray x = ids.getNDArrayInternal()
                .embedding(ids, ps.getValue(words, ids.getDevice(), training), SparseFormat.DENSE)
                .head();
        // plus the first T learned positions, broadcast over the batch
        x = x.add(ps.getValue(positions, ids.getDevice(), training).get(new NDIndex("0:{}", t)));
        // plus the segment embedding of each token
        x = x.add(typeIds.getNDArrayInternal()
                .embedding(typeIds, ps.getValue(types, ids.getDevice(), training), SparseFormat.DENSE)
                .head());
        // embedding LayerNorm (BERT normalises before the first block)
        x = embeddingNorm.forward(ps, new NDList(x), training).head();
        for (BertLayer layer : layers) {
            // each block rewrites the whole residual stream, attending in both directions
            x = layer.forward(ps, new NDList(x, keyMask), training).head();
        }
        // one vector per sentence from the real tokens' states [B, C]
        NDArray pooled = pooling.apply(x, mask, keyMask);
        if (!normalize) {
            return new NDList(pooled);
        }
        // unit L2 norm per sentence (eps as a libtorch-owned scalar, see NativeArrays)
        NDArray norm = pooled.square().sum(new int[] {1}, true).sqrt();
        return new NDList(pooled.div(norm.maximum(NativeArrays.scalar(x.getManager(), NORM_EPS))));
    }

    /** Every parameter under its Hugging Face {@code BertModel} name (without the {@code bert.} prefix). */
    Map<String, Parameter> huggingFaceParameters() {
        Map<String, Parameter> named = new LinkedHashMap<>();
        named.put("embeddings.word_embeddings.weight", words);
        named.put("embeddings.position_embeddings.weight", positions);
        named.put("embeddings.token_type_embeddings.weight", types);
        embeddingNorm.collectParameters("embeddings.LayerNorm.", named);
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).collect("encoder.layer." + i + ".", named);
        }
        return named;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = new Shape(inputShapes[0].get(0), inputShapes[0].get(1), config.hiddenSize());
        embeddingNorm.initialize(manager, dataType, x);
        for (BertLayer layer : layers) {
            layer.initialize(manager, dataType, x, inputShapes[3]);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.hiddenSize())};
    }
}

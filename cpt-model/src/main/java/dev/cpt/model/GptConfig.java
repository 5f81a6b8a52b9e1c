package dev.cpt.model;

/**
 * Shape of a GPT-2-style decoder. The layout (learned positions, pre-LayerNorm, GELU-tanh MLP of
 * width 4x, tied embeddings) is fixed; only the sizes vary.
 *
 * @param vocabSize number of token ids the embedding table holds
 * @param contextLength maximum number of positions one forward pass sees (GPT-2 {@code n_positions})
 * @param layers number of transformer blocks
 * @param heads attention heads per block; must divide {@code embedDim}
 * @param embedDim residual stream width ({@code n_embd})
 * @param layerNormEpsilon epsilon of every LayerNorm (GPT-2 uses 1e-5)
 */
public record GptConfig(int vocabSize, int contextLength, int layers, int heads, int embedDim, float layerNormEpsilon)
        implements DecoderConfig {

    public static final String MODEL_TYPE = "gpt2";

    public static final float DEFAULT_LAYER_NORM_EPSILON = 1e-5f;

    public GptConfig {
        require(vocabSize > 0, "vocabSize must be positive");
        require(contextLength > 0, "contextLength must be positive");
        require(layers > 0, "layers must be positive");
        require(heads > 0, "heads must be positive");
        require(embedDim > 0, "embedDim must be positive");
        require(embedDim % heads == 0, "embedDim " + embedDim + " is not divisible by heads " + heads);
        require(layerNormEpsilon > 0 && Float.isFinite(layerNormEpsilon), "layerNormEpsilon must be > 0");
    }

    /** Convenience constructor with GPT-2's LayerNorm epsilon. */
    public GptConfig(int vocabSize, int contextLength, int layers, int heads, int embedDim) {
        this(vocabSize, contextLength, layers, heads, embedDim, DEFAULT_LAYER_NORM_EPSILON);
    }

    /** About 100k parameters with the byte vocabulary; meant for unit tests. */
    public static GptConfig tiny() {
        return new GptConfig(256, 64, 3, 4, 48);
    }

    /** About 1.04M parameters, context 128, byte vocabulary. */
    public static GptConfig small1M() {
        return new GptConfig(256, 128, 5, 4, 128);
    }

    /** About 10M parameters, context 128, byte vocabulary. */
    public static GptConfig medium10M() {
        return new GptConfig(256, 128, 8, 5, 320);
    }

    @Override
    public String modelType() {
        return MODEL_TYPE;
    }

    public int headDim() {
        return embedDim / heads;
    }

    /** Width of the MLP hidden layer: 4x the residual width, as in GPT-2. */
    public int mlpDim() {
        return 4 * embedDim;
    }

    /** Exact parameter count of this layout (tied output embedding counted once). */
    public long parameterCount() {
        long d = embedDim;
        long perLayer = 2 * (2 * d) // ln_1, ln_2
                + (d * 3 * d + 3 * d) // c_attn
                + (d * d + d) // attn.c_proj
                + (d * 4 * d + 4 * d) // mlp.c_fc
                + (4 * d * d + d); // mlp.c_proj
        return (long) vocabSize * d + (long) contextLength * d + layers * perLayer + 2 * d;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}

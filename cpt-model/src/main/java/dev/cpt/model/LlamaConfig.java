package dev.cpt.model;

import java.util.List;
import java.util.Objects;

/**
 * Shape of a Llama-family decoder as Hugging Face writes it for {@code llama}, {@code qwen2} and {@code mistral}
 * (without sliding-window attention): token embeddings, pre-RMSNorm blocks of rotary grouped-query attention and a
 * SwiGLU MLP, a final RMSNorm and an output head that may share the embedding matrix.
 *
 * @param modelType {@code llama}, {@code qwen2} or {@code mistral}; decides the names written to {@code config.json}
 * @param vocabSize number of token ids the embedding table holds
 * @param contextLength most positions one forward pass sees ({@code max_position_embeddings})
 * @param hiddenSize residual stream width
 * @param intermediateSize width of the SwiGLU MLP's gate and up projections
 * @param layers number of decoder layers
 * @param heads query heads per layer
 * @param kvHeads key/value heads per layer; divides {@code heads}, each serving {@code heads / kvHeads} query heads
 * @param headDim width of one head ({@code head_dim}; Hugging Face's default is {@code hiddenSize / heads})
 * @param rmsNormEps epsilon inside every RMSNorm's square root
 * @param ropeTheta base of the rotary frequencies
 * @param ropeScaling how the rotary frequencies are stretched
 * @param tieWordEmbeddings whether the output head reuses the embedding matrix
 * @param qkvBias whether the query, key and value projections have biases (Qwen2 always; Llama with attention_bias)
 * @param outputBias whether the attention output projection has a bias (Llama with attention_bias only)
 */
public record LlamaConfig(
        String modelType,
        int vocabSize,
        int contextLength,
        int hiddenSize,
        int intermediateSize,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        float rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean outputBias)
        implements DecoderConfig {

    public static final String LLAMA = "llama";
    public static final String QWEN2 = "qwen2";
    public static final String MISTRAL = "mistral";
    /** The {@code model_type} values this record describes. */
    public static final List<String> MODEL_TYPES = List.of(LLAMA, QWEN2, MISTRAL);

    public LlamaConfig {
        Objects.requireNonNull(modelType, "modelType");
        Objects.requireNonNull(ropeScaling, "ropeScaling");
        require(
                MODEL_TYPES.contains(modelType),
                "model_type " + modelType + " is not a Llama-family type " + MODEL_TYPES);
        require(vocabSize > 0, "vocabSize must be positive");
        require(contextLength > 0, "contextLength must be positive");
        require(hiddenSize > 0, "hiddenSize must be positive");
        require(intermediateSize > 0, "intermediateSize must be positive");
        require(layers > 0, "layers must be positive");
        require(heads > 0 && kvHeads > 0, "heads and kvHeads must be positive");
        require(heads % kvHeads == 0, "heads " + heads + " is not a multiple of kvHeads " + kvHeads);
        require(headDim > 0 && headDim % 2 == 0, "headDim must be positive and even (rotary pairs), got " + headDim);
        require(rmsNormEps > 0 && Float.isFinite(rmsNormEps), "rmsNormEps must be > 0");
        require(ropeTheta > 0 && Double.isFinite(ropeTheta), "ropeTheta must be > 0");
        // config.json cannot express other combinations: Qwen2 hard-codes its biases, Mistral has none, and Llama's
        // attention_bias covers all four projections
        require(
                switch (modelType) {
                    case QWEN2 -> qkvBias && !outputBias;
                    case MISTRAL -> !qkvBias && !outputBias;
                    default -> qkvBias == outputBias;
                },
                modelType + " cannot have qkvBias " + qkvBias + " with outputBias " + outputBias);
    }

    /** A small Llama (grouped-query attention, untied head, no biases) for tests, with the default rotary base. */
    public static LlamaConfig tiny(int vocabSize) {
        return new LlamaConfig(
                LLAMA, vocabSize, 64, 48, 128, 2, 4, 2, 12, 1e-6f, 10_000, new RopeScaling.None(), false, false, false);
    }

    /**
     * About 9.6M parameters in the Llama layout for CPU demos and generation benchmarks: context 512, a vocabulary of
     * 8192 (room for a small BPE; the byte tokenizer also fits), 10 layers of width 256, grouped-query attention with
     * 8 query heads on 2 key/value heads, SwiGLU width 768, tied head as SmolLM2's.
     */
    public static LlamaConfig cpuDemo10M() {
        return new LlamaConfig(
                LLAMA, 8192, 512, 256, 768, 10, 8, 2, 32, 1e-5f, 10_000, new RopeScaling.None(), true, false, false);
    }

    /**
     * About 2.8M parameters in the Llama layout, small enough for the whole demo on two CPU cores: context 256, a
     * vocabulary of 2048 (the demo's byte-level BPE), 6 layers of width 192, 6 query heads on 2 key/value heads,
     * SwiGLU width 512, tied head.
     */
    public static LlamaConfig cpuDemo3M() {
        return new LlamaConfig(
                LLAMA, 2048, 256, 192, 512, 6, 6, 2, 32, 1e-5f, 10_000, new RopeScaling.None(), true, false, false);
    }

    /** SmolLM2-135M's shape as its Hugging Face {@code config.json} gives it (weights are the caller's). */
    public static LlamaConfig smolLm2Shape135M() {
        return new LlamaConfig(
                LLAMA,
                49152,
                8192,
                576,
                1536,
                30,
                9,
                3,
                64,
                1e-5f,
                100_000,
                new RopeScaling.None(),
                true,
                false,
                false);
    }

    /** Qwen2.5-0.5B's shape as its Hugging Face {@code config.json} gives it (weights are the caller's). */
    public static LlamaConfig qwen25Shape500M() {
        return new LlamaConfig(
                QWEN2,
                151936,
                32768,
                896,
                4864,
                24,
                14,
                2,
                64,
                1e-6f,
                1_000_000,
                new RopeScaling.None(),
                true,
                true,
                false);
    }

    /** Query heads that share one key/value head. */
    public int groupSize() {
        return heads / kvHeads;
    }

    /**
     * The rotary inverse frequencies, one per pair of head dimensions: theta^(-2i/headDim) for i = 0..headDim/2-1
     * ({@code _compute_default_rope_parameters}), then rescaled by {@link #ropeScaling}.
     */
    public double[] inverseFrequencies() {
        double[] f = new double[headDim / 2];
        for (int i = 0; i < f.length; i++) {
            f[i] = 1.0 / Math.pow(ropeTheta, (2.0 * i) / headDim);
        }
        return ropeScaling.rescale(f);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}

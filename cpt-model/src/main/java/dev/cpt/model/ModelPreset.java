package dev.cpt.model;

import java.util.function.Supplier;

/** The model sizes a run can start from without a base checkpoint: the trainer's and stage 0's choice of shape. */
public enum ModelPreset {
    tiny(GptConfig::tiny),
    small1M(GptConfig::small1M),
    medium10M(GptConfig::medium10M),
    /** The Llama layout for tests: about 0.25M parameters, a vocabulary of 2048 ({@link LlamaConfig#tiny}). */
    llamaTiny(() -> LlamaConfig.tiny(2048)),
    /** The Llama layout at about 2.8M parameters, context 256: the demo's Llama ({@link LlamaConfig#cpuDemo3M}). */
    llamaDemo3M(LlamaConfig::cpuDemo3M),
    /** The Llama layout at about 10M parameters, context 512 ({@link LlamaConfig#cpuDemo10M}). */
    llamaDemo10M(LlamaConfig::cpuDemo10M),
    /** SmolLM2-135M's shape with random weights, for benchmarks ({@link LlamaConfig#smolLm2Shape135M}). */
    smolLm2Shape135M(LlamaConfig::smolLm2Shape135M),
    /** Qwen2.5-0.5B's shape with random weights, for benchmarks ({@link LlamaConfig#qwen25Shape500M}). */
    qwen25Shape500M(LlamaConfig::qwen25Shape500M);

    private final Supplier<? extends DecoderConfig> config;

    ModelPreset(Supplier<? extends DecoderConfig> config) {
        this.config = config;
    }

    /** The shape of this preset's network, whatever its family. */
    public DecoderConfig decoderConfig() {
        return config.get();
    }

    /**
     * The GPT-2 shape of a GPT-2 preset; a preset of another family throws {@link IllegalStateException} (use {@link
     * #decoderConfig()}).
     */
    public GptConfig config() {
        if (decoderConfig() instanceof GptConfig gpt) {
            return gpt;
        }
        throw new IllegalStateException("preset " + name() + " is a "
                + decoderConfig().modelType() + " decoder, not GPT-2: use decoderConfig()");
    }
}

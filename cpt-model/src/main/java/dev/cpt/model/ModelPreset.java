package dev.cpt.model;

import java.util.function.Supplier;

/** The model sizes a run can start from without a base checkpoint: the trainer's and stage 0's choice of shape. */
public enum ModelPreset {
    tiny(GptConfig::tiny),
    small1M(GptConfig::small1M),
    medium10M(GptConfig::medium10M);

    private final Supplier<GptConfig> config;

    ModelPreset(Supplier<GptConfig> config) {
        this.config = config;
    }

    public GptConfig config() {
        return config.get();
    }
}

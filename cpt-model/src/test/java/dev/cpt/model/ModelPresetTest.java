package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The presets a run starts from: GPT-2 ones answer both accessors, the Llama CPU-demo one only decoderConfig(). */
class ModelPresetTest {

    @Test
    void gpt2PresetsAnswerBothAccessors() {
        assertEquals(GptConfig.small1M(), ModelPreset.small1M.config());
        assertEquals(GptConfig.small1M(), ModelPreset.small1M.decoderConfig());
    }

    @Test
    void theLlamaCpuDemoPresetIsAboutTenMillionParametersWithAContextOf512() {
        ModelPreset preset = ModelPreset.llamaDemo10M;
        LlamaConfig config = assertInstanceOf(LlamaConfig.class, preset.decoderConfig());
        assertTrue(config.contextLength() >= 512, "context " + config.contextLength());
        assertTrue(config.kvHeads() < config.heads(), "grouped-query attention");
        assertThrows(IllegalStateException.class, preset::config);
        try (LanguageModel model = LanguageModel.create(config, 1)) {
            assertEquals(9_639_168, model.parameterCount());
            assertSame(config.getClass(), model.decoderConfig().getClass());
        }
    }
}

package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The presets a run starts from: GPT-2 ones answer both accessors, Llama ones only decoderConfig(). */
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

    /** SmolLM2-135M and Qwen2.5-0.5B as their model cards count them: the shapes are the published ones. */
    @Test
    void theBenchmarkShapesHaveThePublishedParameterCounts() {
        assertEquals(134_515_008L, parameters(ModelPreset.smolLm2Shape135M));
        assertEquals(494_032_768L, parameters(ModelPreset.qwen25Shape500M));
    }

    @Test
    void theSmallLlamaPresetsBuildTheNetworkTheirShapeCounts() {
        for (ModelPreset preset : new ModelPreset[] {ModelPreset.llamaTiny, ModelPreset.llamaDemo3M}) {
            try (LanguageModel model = LanguageModel.create(preset.decoderConfig(), 1)) {
                assertEquals(parameters(preset), model.parameterCount(), preset.name());
            }
        }
        assertEquals(2048, ModelPreset.llamaDemo3M.decoderConfig().vocabSize(), "the demo BPE's vocabulary");
    }

    /** Parameters of a Llama-layout network, counted from its shape as Hugging Face builds it. */
    private static long parameters(ModelPreset preset) {
        LlamaConfig c = (LlamaConfig) preset.decoderConfig();
        long h = c.hiddenSize();
        long q = (long) c.heads() * c.headDim();
        long kv = (long) c.kvHeads() * c.headDim();
        long attention = h * q + 2 * h * kv + q * h + (c.qkvBias() ? q + 2 * kv : 0) + (c.outputBias() ? h : 0);
        long layer = attention + 3 * h * c.intermediateSize() + 2 * h;
        long embedding = c.vocabSize() * h;
        return embedding * (c.tieWordEmbeddings() ? 1 : 2) + c.layers() * layer + h;
    }
}

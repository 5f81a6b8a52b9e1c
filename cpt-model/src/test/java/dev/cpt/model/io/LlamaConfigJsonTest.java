package dev.cpt.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cpt.model.DecoderConfig;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LlamaConfig;
import dev.cpt.model.RopeScaling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaConfigJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** The keys every Llama-family file carries; the rest are left to the family's defaults. */
    private static ObjectNode minimal(String type) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model_type", type);
        n.put("vocab_size", 300);
        n.put("hidden_size", 32);
        n.put("intermediate_size", 64);
        n.put("num_hidden_layers", 2);
        n.put("num_attention_heads", 4);
        return n;
    }

    private DecoderConfig read(ObjectNode n) throws IOException {
        Path file = tmp.resolve("config.json");
        Files.write(file, JSON.writeValueAsBytes(n));
        return DecoderConfigJson.read(file);
    }

    private DecoderConfig read(String type, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode n = minimal(type);
        edit.accept(n);
        return read(n);
    }

    private String refusal(String type, Consumer<ObjectNode> edit) {
        return assertThrows(IOException.class, () -> read(type, edit)).getMessage();
    }

    @Test
    void absentKeysTakeTheFamilyDefaults() throws Exception {
        LlamaConfig llama = (LlamaConfig) read(minimal("llama"));
        assertEquals(
                new LlamaConfig(
                        "llama",
                        300,
                        2048,
                        32,
                        64,
                        2,
                        4,
                        4,
                        8,
                        1e-6f,
                        10_000,
                        new RopeScaling.None(),
                        false,
                        false,
                        false),
                llama);
        assertEquals(32768, read(minimal("qwen2")).contextLength());
        assertEquals(131072, read(minimal("mistral")).contextLength());
    }

    @Test
    void readsGroupedQueryHeadsBiasesAndRopeOptions() throws Exception {
        LlamaConfig qwen = (LlamaConfig) read("qwen2", n -> {
            n.put("num_key_value_heads", 2);
            n.put("rope_theta", 1e6);
            n.put("rms_norm_eps", 1e-5);
            n.put("tie_word_embeddings", true);
            n.put("use_sliding_window", false);
            n.put("sliding_window", 4096);
        });
        assertEquals(2, qwen.kvHeads());
        assertEquals(2, qwen.groupSize());
        assertEquals(1e6, qwen.ropeTheta());
        assertEquals(1e-5f, qwen.rmsNormEps());
        assertTrue(qwen.tieWordEmbeddings());
        assertTrue(qwen.qkvBias());
        assertFalse(qwen.outputBias());

        LlamaConfig biased = (LlamaConfig) read("llama", n -> {
            n.put("attention_bias", true);
            n.put("head_dim", 12);
            n.putObject("rope_scaling")
                    .put("rope_type", "llama3")
                    .put("factor", 8.0)
                    .put("low_freq_factor", 1.0)
                    .put("high_freq_factor", 4.0)
                    .put("original_max_position_embeddings", 8192);
        });
        assertTrue(biased.qkvBias() && biased.outputBias());
        assertEquals(12, biased.headDim());
        assertEquals(new RopeScaling.Llama3(8, 1, 4, 8192), biased.ropeScaling());

        // the legacy key "type" and transformers 5's rope_parameters say the same things
        LlamaConfig legacy = (LlamaConfig) read("mistral", n -> {
            n.putNull("sliding_window");
            n.putObject("rope_scaling").put("type", "linear").put("factor", 2.0);
        });
        assertEquals(new RopeScaling.Linear(2), legacy.ropeScaling());
        LlamaConfig v5 = (LlamaConfig) read(
                "llama",
                n -> n.putObject("rope_parameters")
                        .put("rope_type", "linear")
                        .put("factor", 4.0)
                        .put("rope_theta", 5e5));
        assertEquals(new RopeScaling.Linear(4), v5.ropeScaling());
        assertEquals(5e5, v5.ropeTheta());
    }

    @Test
    void writtenConfigsReadBackEqual() throws Exception {
        for (LlamaConfig c : new LlamaConfig[] {
            LlamaConfig.tiny(300),
            new LlamaConfig(
                    "qwen2", 300, 128, 32, 64, 2, 4, 1, 8, 1e-6f, 1e6, new RopeScaling.Linear(2), true, true, false),
            new LlamaConfig(
                    "llama",
                    300,
                    128,
                    24,
                    48,
                    1,
                    4,
                    2,
                    8,
                    1e-5f,
                    5e5,
                    new RopeScaling.Llama3(8, 1, 8, 1024),
                    false,
                    true,
                    true),
            new LlamaConfig(
                    "mistral", 300, 128, 32, 64, 1, 4, 2, 8, 1e-5f, 1e4, new RopeScaling.None(), false, false, false)
        }) {
            Path file = tmp.resolve(c.modelType() + ".json");
            LlamaConfigJson.write(file, c);
            assertEquals(c, DecoderConfigJson.read(file));
        }
        assertTrue(new String(LlamaConfigJson.toBytes(LlamaConfig.tiny(300))).contains("\"rms_norm_eps\" : 1.0E-6"));
    }

    @Test
    void gpt2StillReadsAsGpt2() throws Exception {
        Path file = tmp.resolve("config.json");
        Gpt2ConfigJson.write(file, GptConfig.tiny());
        assertEquals(GptConfig.tiny(), DecoderConfigJson.read(file));
    }

    @Test
    void unsupportedModelTypesAreNamedWithTheSupportedList() {
        String msg = refusal("gemma", n -> {});
        assertTrue(msg.contains("model_type gemma") && msg.contains("supported: gpt2, llama, qwen2, mistral"), msg);
        ObjectNode none = minimal("llama");
        none.remove("model_type");
        String missing = assertThrows(IOException.class, () -> read(none)).getMessage();
        assertTrue(missing.contains("no model_type") && missing.contains("gpt2, llama, qwen2, mistral"), missing);
        String notLlama = assertThrows(IOException.class, () -> LlamaConfigJson.read(minimal("gpt2"), "config.json"))
                .getMessage();
        assertTrue(notLlama.contains("model_type gpt2") && notLlama.contains("llama, qwen2, mistral"), notLlama);
    }

    @Test
    void optionsComputedDifferentlyAreRefusedByName() {
        assertRefused(refusal("llama", n -> n.put("hidden_act", "gelu")), "hidden_act gelu", "supported: silu");
        assertRefused(refusal("qwen2", n -> n.put("use_sliding_window", true)), "use_sliding_window true", "false");
        assertRefused(
                refusal("mistral", n -> {
                    n.put("max_position_embeddings", 32768);
                    n.put("sliding_window", 4096);
                }),
                "sliding_window 4096",
                "null, or at least max_position_embeddings");
        assertRefused(
                refusal(
                        "llama",
                        n -> n.putObject("rope_scaling")
                                .put("rope_type", "yarn")
                                .put("factor", 4.0)),
                "rope type yarn",
                "supported: default, linear, llama3");
        assertRefused(
                refusal(
                        "llama",
                        n -> n.putObject("rope_scaling").put("type", "dynamic").put("factor", 2.0)),
                "rope type dynamic",
                "default, linear, llama3");
        assertRefused(refusal("llama", n -> n.put("mlp_bias", true)), "mlp_bias true", "supported: false");
        assertRefused(refusal("llama", n -> n.put("partial_rotary_factor", 0.5)), "partial_rotary_factor 0.5", "1.0");
        assertRefused(
                refusal("llama", n -> n.putObject("quantization_config").put("quant_method", "gptq")),
                "quantization_config",
                "unquantized F32");
        assertRefused(
                refusal(
                        "llama",
                        n -> n.putObject("rope_scaling")
                                .put("rope_type", "llama3")
                                .put("factor", 8.0)),
                "missing number low_freq_factor",
                "rope_scaling");
        assertRefused(refusal("llama", n -> n.put("num_key_value_heads", 3)), "heads 4", "kvHeads 3");
        assertRefused(refusal("llama", n -> n.remove("hidden_size")), "missing integer hidden_size", "config.json");
    }

    @Test
    void slidingWindowsThatCannotBiteAreAccepted() throws Exception {
        assertInstanceOf(LlamaConfig.class, read("mistral", n -> n.putNull("sliding_window")));
        assertInstanceOf(LlamaConfig.class, read("mistral", n -> {
            n.put("max_position_embeddings", 4096);
            n.put("sliding_window", 4096);
        }));
    }

    @Test
    void ropeScalingRescalesEachBandAsLlama3Says() {
        double[] plain = new double[] {1, 0.1, 0.01, 0.001};
        // head_dim 8, theta 10^4: wavelengths 6.3, 63, 628 and 6283 against the bands (128, 1024)
        LlamaConfig base = new LlamaConfig(
                "llama", 300, 64, 32, 64, 1, 4, 4, 8, 1e-6f, 10_000, new RopeScaling.None(), false, false, false);
        assertArrayEquals(plain, base.inverseFrequencies(), 1e-15);
        double[] linear = new RopeScaling.Linear(4).rescale(plain);
        assertArrayEquals(new double[] {0.25, 0.025, 0.0025, 0.00025}, linear, 1e-15);
        double[] llama3 = new RopeScaling.Llama3(8, 1, 8, 1024).rescale(plain);
        assertEquals(plain[0], llama3[0]);
        assertEquals(plain[1], llama3[1]);
        assertTrue(llama3[2] > plain[2] / 8 && llama3[2] < plain[2], "the middle band blends: " + llama3[2]);
        assertEquals(plain[3] / 8, llama3[3], 1e-18);
    }

    private static void assertRefused(String message, String names, String lists) {
        assertTrue(message.contains(names) && message.contains(lists), message);
    }
}

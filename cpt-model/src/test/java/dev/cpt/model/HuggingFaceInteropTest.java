package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cpt.common.io.SafeTensors;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.model.tokenizer.TokenizerStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HuggingFaceInteropTest {

    @TempDir
    Path tmp;

    @Test
    void exportUsesGpt2NamesLayoutsAndConfigKeys() throws Exception {
        GptConfig cfg = GptConfig.tiny();
        try (LanguageModel model = LanguageModel.create(cfg, 1)) {
            model.exportHuggingFace(tmp);
        }
        Map<String, Tensor> t =
                SafeTensors.read(tmp.resolve("model.safetensors")).tensors();
        List<String> expected = new ArrayList<>(List.of("wte.weight", "wpe.weight"));
        for (int i = 0; i < cfg.layers(); i++) {
            for (String s : List.of(
                    "ln_1.weight",
                    "ln_1.bias",
                    "attn.c_attn.weight",
                    "attn.c_attn.bias",
                    "attn.c_proj.weight",
                    "attn.c_proj.bias",
                    "ln_2.weight",
                    "ln_2.bias",
                    "mlp.c_fc.weight",
                    "mlp.c_fc.bias",
                    "mlp.c_proj.weight",
                    "mlp.c_proj.bias")) {
                expected.add("h." + i + "." + s);
            }
        }
        expected.add("ln_f.weight");
        expected.add("ln_f.bias");
        assertEquals(expected, new ArrayList<>(t.keySet()));
        int d = cfg.embedDim();
        // GPT-2 files store the Conv1D (Linear) weights as [in, out]
        assertArrayEquals(
                new long[] {d, 3L * d}, t.get("h.0.attn.c_attn.weight").shape());
        assertArrayEquals(new long[] {d, 4L * d}, t.get("h.0.mlp.c_fc.weight").shape());
        assertArrayEquals(new long[] {4L * d, d}, t.get("h.0.mlp.c_proj.weight").shape());
        assertArrayEquals(new long[] {cfg.vocabSize(), d}, t.get("wte.weight").shape());

        JsonNode json = new ObjectMapper().readTree(tmp.resolve("config.json").toFile());
        assertEquals(d, json.get("n_embd").asInt());
        assertEquals(cfg.layers(), json.get("n_layer").asInt());
        assertEquals(cfg.heads(), json.get("n_head").asInt());
        assertEquals(cfg.contextLength(), json.get("n_positions").asInt());
        assertEquals(cfg.vocabSize(), json.get("vocab_size").asInt());
        assertEquals(1e-5, json.get("layer_norm_epsilon").asDouble(), 1e-12);
    }

    @Test
    void exportImportRoundTripKeepsLogits() throws Exception {
        int[][] probe = TestData.windows(TestData.proseTokens(), 2, 30, new Random(4));
        float[][][] before;
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 2)) {
            model.trainStep(
                    TestData.windows(TestData.proseTokens(), 2, 30, new Random(5)), OptimizerSettings.defaults());
            before = model.logits(probe);
            model.exportHuggingFace(tmp.resolve("hf"));
        }
        try (LanguageModel imported = LanguageModel.importHuggingFace(tmp.resolve("hf"))) {
            assertLogitsEqual(before, imported.logits(probe));
        }

        // Hugging Face's GPT2LMHeadModel names carry a "transformer." prefix and an lm_head copy
        Path prefixed = tmp.resolve("prefixed");
        java.nio.file.Files.createDirectories(prefixed);
        java.nio.file.Files.copy(tmp.resolve("hf/config.json"), prefixed.resolve("config.json"));
        TokenizerStore.write(ByteTokenizer.INSTANCE, prefixed);
        Map<String, Tensor> plain =
                SafeTensors.read(tmp.resolve("hf/model.safetensors")).tensors();
        Map<String, Tensor> renamed = new LinkedHashMap<>();
        plain.forEach((k, v) -> renamed.put("transformer." + k, v));
        renamed.put("lm_head.weight", plain.get("wte.weight"));
        renamed.put("transformer.h.0.attn.bias", new Tensor(new long[] {1}, new float[] {1}));
        SafeTensors.write(prefixed.resolve("model.safetensors"), renamed, Map.of("format", "pt"));
        try (LanguageModel imported = LanguageModel.importHuggingFace(prefixed)) {
            assertLogitsEqual(before, imported.logits(probe));
        }
    }

    @Test
    void importRejectsMissingOrMisshapenTensors() throws Exception {
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 2)) {
            model.exportHuggingFace(tmp);
        }
        Map<String, Tensor> t = new LinkedHashMap<>(
                SafeTensors.read(tmp.resolve("model.safetensors")).tensors());
        t.remove("h.1.ln_2.bias");
        SafeTensors.write(tmp.resolve("model.safetensors"), t, Map.of());
        IOException missing = assertThrows(IOException.class, () -> LanguageModel.importHuggingFace(tmp));
        assertTrue(missing.getMessage().contains("h.1.ln_2.bias"), missing.getMessage());

        t.put("h.1.ln_2.bias", new Tensor(new long[] {3}, new float[3]));
        SafeTensors.write(tmp.resolve("model.safetensors"), t, Map.of());
        IOException shape = assertThrows(IOException.class, () -> LanguageModel.importHuggingFace(tmp));
        assertTrue(shape.getMessage().contains("shape"), shape.getMessage());
    }

    static void assertLogitsEqual(float[][][] a, float[][][] b) {
        assertEquals(a.length, b.length);
        for (int r = 0; r < a.length; r++) {
            for (int t = 0; t < a[r].length; t++) {
                assertArrayEquals(a[r][t], b[r][t], 0f);
            }
        }
    }
}

package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.common.io.SafeTensors;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.model.tokenizer.TokenizerStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A Llama-family model through {@link LanguageModel}: import, export, checkpoints, training and sampling. */
class LlamaModelTest {

    private static final OptimizerSettings SETTINGS =
            OptimizerSettings.defaults().withLearningRate(3e-3);

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny", "qwen2-tiny"})
    void exportAndReimportKeepLogitsConfigAndNames(String fixture) throws Exception {
        int[][] probe = TestData.windows(TestData.proseTokens(), 2, 20, new Random(4));
        LlamaConfig config;
        float[][][] before;
        try (LanguageModel model = LanguageModel.importHuggingFace(
                LlamaFixtureTest.Fixture.read(fixture).dir())) {
            config = (LlamaConfig) model.decoderConfig();
            // trained a little, so the exported weights are not the fixture's
            model.trainStep(TestData.windows(TestData.proseTokens(), 2, 20, new Random(5)), SETTINGS);
            before = model.logits(probe);
            model.exportHuggingFace(tmp.resolve("hf"));
        }
        Map<String, Tensor> file = SafeTensors.read(tmp.resolve("hf").resolve(LanguageModel.WEIGHTS_FILE))
                .tensors();
        assertEquals(!config.tieWordEmbeddings(), file.containsKey("lm_head.weight"));
        assertEquals(config.qkvBias(), file.containsKey("model.layers.1.self_attn.v_proj.bias"));
        assertFalse(file.containsKey("model.layers.0.self_attn.o_proj.bias"));
        // torch.nn.Linear layout: [out, in]
        assertEquals(
                Arrays.toString(new long[] {(long) config.kvHeads() * config.headDim(), config.hiddenSize()}),
                Arrays.toString(
                        file.get("model.layers.0.self_attn.k_proj.weight").shape()));
        try (LanguageModel back = LanguageModel.importHuggingFace(tmp.resolve("hf"))) {
            assertEquals(config, back.decoderConfig());
            HuggingFaceInteropTest.assertLogitsEqual(before, back.logits(probe));
        }
    }

    @Test
    void aLlamaIsNotAGpt2ButSaysItsSizes() {
        try (LanguageModel model = LanguageModel.create(LlamaConfig.tiny(256), 1)) {
            var refused = assertThrows(IllegalStateException.class, model::config);
            assertTrue(refused.getMessage().contains("llama")
                    && refused.getMessage().contains("decoderConfig()"));
            assertEquals(256, model.decoderConfig().vocabSize());
            assertEquals(64, model.decoderConfig().contextLength());
            assertEquals("llama", model.decoderConfig().modelType());
        }
    }

    @Test
    void trainingStepsLowerTheLossOnAFixedBatch() {
        int[][] batch = TestData.windows(TestData.proseTokens(), 4, 49, new Random(2));
        try (LanguageModel model = LanguageModel.create(LlamaConfig.tiny(256), 7)) {
            double initial = average(model.sequenceLosses(batch));
            // an untrained model is close to uniform over the byte values
            assertEquals(Math.log(256), initial, 0.3);
            for (int i = 0; i < 15; i++) {
                TrainStepResult r = model.trainStep(batch, SETTINGS);
                assertTrue(r.applied(), () -> "step skipped: " + r.skippedReason());
            }
            double after = average(model.sequenceLosses(batch));
            System.out.printf("llama tiny: loss %.3f -> %.3f after 15 steps%n", initial, after);
            assertTrue(after < 0.8 * initial, "loss " + initial + " -> " + after);
            assertEquals(15, model.optimizerStep());
        }
    }

    @Test
    void aCheckpointRebuildsTheLlamaWithItsOptimizer() throws Exception {
        int[][] batch = TestData.windows(TestData.proseTokens(), 2, 33, new Random(3));
        int[][] probe = TestData.windows(TestData.proseTokens(), 2, 33, new Random(8));
        LlamaConfig config = new LlamaConfig(
                LlamaConfig.QWEN2,
                256,
                48,
                32,
                64,
                2,
                4,
                2,
                8,
                1e-6f,
                1e6,
                new RopeScaling.Linear(2),
                true,
                true,
                false);
        double expected;
        try (LanguageModel model = LanguageModel.create(config, 3)) {
            model.trainStep(batch, SETTINGS);
            model.trainStep(batch, SETTINGS);
            model.save(tmp.resolve("ckpt"), Map.of("run", "llama"));
            expected = model.trainStep(batch, SETTINGS).loss();
        }
        try (LanguageModel loaded = LanguageModel.load(tmp.resolve("ckpt"))) {
            assertEquals(config, loaded.decoderConfig());
            assertEquals(2, loaded.optimizerStep());
            assertEquals("llama", loaded.checkpointMetadata().get("run"));
            // the same third step: weights and AdamW moments came back
            assertEquals(expected, loaded.trainStep(batch, SETTINGS).loss(), 1e-6);
            try (LanguageModel copy = loaded.copy()) {
                float[][][] original = loaded.logits(probe);
                HuggingFaceInteropTest.assertLogitsEqual(original, copy.logits(probe));
                // the copy trains on its own storage: the original does not move
                assertTrue(copy.trainStep(batch, SETTINGS).applied());
                HuggingFaceInteropTest.assertLogitsEqual(original, loaded.logits(probe));
            }
        }
    }

    @Test
    void longerInputsGrowTheMaskWithoutBreakingCausality() {
        LlamaConfig config = new LlamaConfig(
                LlamaConfig.MISTRAL,
                256,
                200,
                32,
                48,
                1,
                4,
                1,
                8,
                1e-5f,
                1e4,
                new RopeScaling.None(),
                false,
                false,
                false);
        int[] row = Arrays.copyOf(TestData.proseTokens(), 150);
        try (LanguageModel model = LanguageModel.create(config, 4)) {
            float[][] shortRow = model.logits(new int[][] {Arrays.copyOf(row, 10)})[0];
            float[][] longRow = model.logits(new int[][] {row})[0];
            assertEquals(150, longRow.length);
            for (int t = 0; t < shortRow.length; t++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(shortRow[t], longRow[t], 1e-5f, "position " + t);
            }
            int[] sampled = model.generate(Arrays.copyOf(row, 190), SamplingSettings.greedy(20), new Random(1));
            assertEquals(20, sampled.length);
        }
    }

    @Test
    void aTiedFileMayCarryTheHeadOnlyIfItEqualsTheEmbeddings() throws Exception {
        Path dir = LlamaFixtureTest.Fixture.read("qwen2-tiny").dir();
        Map<String, Tensor> tensors = new LinkedHashMap<>(
                SafeTensors.read(dir.resolve(LanguageModel.WEIGHTS_FILE)).tensors());
        Tensor embeddings = tensors.get("model.embed_tokens.weight");
        Path copy = tmp.resolve("tied");
        java.nio.file.Files.createDirectories(copy);
        java.nio.file.Files.copy(dir.resolve(LanguageModel.CONFIG_FILE), copy.resolve(LanguageModel.CONFIG_FILE));
        TokenizerStore.write(ByteTokenizer.INSTANCE, copy);
        tensors.put(
                "lm_head.weight",
                new Tensor(embeddings.shape(), embeddings.data().clone()));
        tensors.put("model.layers.0.self_attn.rotary_emb.inv_freq", new Tensor(new long[] {4}, new float[4]));
        SafeTensors.write(copy.resolve(LanguageModel.WEIGHTS_FILE), tensors, Map.of());
        try (LanguageModel model = LanguageModel.importHuggingFace(copy)) {
            assertEquals(300, model.decoderConfig().vocabSize());
        }
        float[] other = embeddings.data().clone();
        other[0] += 1;
        tensors.put("lm_head.weight", new Tensor(embeddings.shape(), other));
        SafeTensors.write(copy.resolve(LanguageModel.WEIGHTS_FILE), tensors, Map.of());
        IOException refused = assertThrows(IOException.class, () -> LanguageModel.importHuggingFace(copy));
        assertTrue(refused.getMessage().contains("lm_head.weight differs"), refused.getMessage());
    }

    private static double average(double[] values) {
        return Arrays.stream(values).average().orElseThrow();
    }
}

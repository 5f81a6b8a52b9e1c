package dev.cpt.reward.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cpt.common.io.SafeTensors;
import dev.cpt.model.OptimizerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compares the encoder with an independent plain-torch BERT (src/test/python/make_bert_fixture.py): mean-pooled and
 * normalised embeddings of a padded batch with token types, and one InfoNCE loss and its gradient norm.
 */
class BertFixtureTest {
    private static final double TOLERANCE = 1e-4;

    @Test
    void embeddingsMatchTheTorchReference() throws Exception {
        JsonNode expected = expected();
        try (SentenceEncoder encoder = SentenceEncoder.load(fixtureDir())) {
            assertEquals(new BertConfig(30, 16, 2, 2, 40, 12, 2, 1e-12f), encoder.config());
            // no modules.json: mean pooling, no normalisation, truncation at max_position_embeddings, as before
            assertEquals(new EncoderHead(Pooling.MEAN, false, 12, false), encoder.head());
            float[][] pooled = encoder.embed(batch(expected));
            double maxAbs = 0;
            for (int r = 0; r < pooled.length; r++) {
                for (int c = 0; c < pooled[r].length; c++) {
                    maxAbs = Math.max(
                            maxAbs,
                            Math.abs(expected.get("mean_pooled").get(r).get(c).asDouble()));
                }
            }
            // guards against a degenerate fixture where everything is near zero
            assertTrue(maxAbs > 0.5, "fixture embeddings are too small to be a meaningful check: " + maxAbs);
            double pooledDiff = maxDiff(expected.get("mean_pooled"), pooled);
            float[][] unit = new float[pooled.length][];
            for (int r = 0; r < pooled.length; r++) {
                unit[r] = SentenceEncoder.normalize(pooled[r]);
            }
            double unitDiff = maxDiff(expected.get("normalized"), unit);
            System.out.printf("bert fixture: max |java - torch| pooled %.3g, normalized %.3g%n", pooledDiff, unitDiff);
            assertTrue(pooledDiff <= TOLERANCE, "pooled: max |java - torch| = " + pooledDiff);
            assertTrue(unitDiff <= TOLERANCE, "normalized: max |java - torch| = " + unitDiff);
        }
    }

    @Test
    void paddingDoesNotChangeAnEmbedding() throws Exception {
        JsonNode expected = expected();
        TokenBatch full = batch(expected);
        try (SentenceEncoder encoder = SentenceEncoder.load(fixtureDir())) {
            // row 1 alone, without the padding the batch gave it
            int n = (int) java.util.stream.IntStream.range(0, full.width())
                    .filter(i -> full.mask()[full.width() + i] == 1)
                    .count();
            long[] ids = java.util.Arrays.copyOfRange(full.ids(), full.width(), full.width() + n);
            long[] types = java.util.Arrays.copyOfRange(full.types(), full.width(), full.width() + n);
            float[] alone = encoder.embed(TokenBatch.of(new long[][] {ids}, new long[][] {types}))[0];
            assertArrayEquals(encoder.embed(full)[1], alone, 1e-5f);
        }
    }

    @Test
    void contrastiveLossAndGradientNormMatchTheTorchReference() throws Exception {
        JsonNode expected = expected();
        // learning rate 0: the step computes loss and gradients but leaves the weights as they are
        OptimizerSettings frozen = new OptimizerSettings(0, 0, 0.9, 0.999, 1e-8, 0);
        try (SentenceEncoder encoder = SentenceEncoder.load(fixtureDir())) {
            SentenceEncoder.StepResult step = encoder.contrastiveStep(
                    batch(expected), (float) expected.get("temperature").asDouble(), frozen);
            double loss = expected.get("info_nce_loss").asDouble();
            double norm = expected.get("info_nce_grad_norm").asDouble();
            System.out.printf(
                    "bert fixture: InfoNCE %.7f vs %.7f, grad norm %.7f vs %.7f%n",
                    step.loss(), loss, step.gradNorm(), norm);
            assertTrue(step.applied());
            assertEquals(loss, step.loss(), 1e-4 * Math.max(1, loss));
            assertEquals(norm, step.gradNorm(), 1e-3 * norm);
        }
    }

    @Test
    void theFixtureTokenizerAddsClsAndSep() throws Exception {
        try (SentenceEncoder encoder = SentenceEncoder.load(fixtureDir())) {
            TokenBatch b = encoder.tokenize(List.of("The river runs past", "bread"));
            // vocabulary: [PAD] [UNK] [CLS] [SEP] [MASK] the river runs past mill bread ...
            assertArrayEquals(new long[] {2, 5, 6, 7, 8, 3, 2, 10, 3, 0, 0, 0}, b.ids());
            assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, b.mask());
        }
    }

    @Test
    void inputsLongerThanThePositionsAreTruncated() throws Exception {
        try (SentenceEncoder encoder = SentenceEncoder.load(fixtureDir())) {
            TokenBatch b = encoder.tokenize(List.of("the river ".repeat(40)));
            assertEquals(12, b.width());
            assertEquals(3, b.ids()[11], "the last kept token is [SEP]");
        }
    }

    @Test
    void saveWritesTheHuggingFaceLayoutAndLoadGivesTheSameEncoder(@TempDir Path tmp) throws Exception {
        JsonNode expected = expected();
        Path saved = tmp.resolve("copy");
        float[][] before;
        try (SentenceEncoder encoder = SentenceEncoder.load(fixtureDir())) {
            before = encoder.embed(batch(expected));
            encoder.save(saved);
            assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> encoder.save(saved));
        }
        // the saved weights use BertModel names without the prefix, and the pooler is not carried over
        Map<String, SafeTensors.Tensor> tensors =
                SafeTensors.read(saved.resolve("model.safetensors")).tensors();
        assertTrue(tensors.containsKey("encoder.layer.1.attention.self.query.weight"));
        assertTrue(tensors.keySet().stream().noneMatch(k -> k.startsWith("bert.") || k.startsWith("pooler.")));
        JsonNode config =
                new ObjectMapper().readTree(saved.resolve("config.json").toFile());
        assertEquals("bert", config.get("model_type").asText());
        assertEquals(16, config.get("hidden_size").asInt());
        assertEquals(
                Files.readString(fixtureDir().resolve("tokenizer.json")),
                Files.readString(saved.resolve("tokenizer.json")));
        try (SentenceEncoder reloaded = SentenceEncoder.load(saved)) {
            float[][] after = reloaded.embed(batch(expected));
            for (int r = 0; r < before.length; r++) {
                assertArrayEquals(before[r], after[r], 0f);
            }
        }
    }

    @Test
    void aDirectoryWithoutWeightsOrWithForeignTensorsIsRefused(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("broken");
        Files.createDirectories(dir);
        Files.copy(fixtureDir().resolve("config.json"), dir.resolve("config.json"));
        Files.copy(fixtureDir().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        var missing = assertThrows(java.io.IOException.class, () -> SentenceEncoder.load(dir));
        assertTrue(missing.getMessage().contains("model.safetensors is missing"), missing.getMessage());

        var tensors = new java.util.LinkedHashMap<>(
                SafeTensors.read(fixtureDir().resolve("model.safetensors")).tensors());
        tensors.put("cls.predictions.bias", new SafeTensors.Tensor(new long[] {30}, new float[30]));
        SafeTensors.write(dir.resolve("model.safetensors"), tensors, Map.of());
        var foreign = assertThrows(java.io.IOException.class, () -> SentenceEncoder.load(dir));
        assertTrue(foreign.getMessage().contains("cls.predictions.bias"), foreign.getMessage());
    }

    static TokenBatch batch(JsonNode expected) {
        int rows = expected.get("ids").size();
        int width = expected.get("ids").get(0).size();
        long[] ids = new long[rows * width];
        long[] types = new long[rows * width];
        long[] mask = new long[rows * width];
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < width; t++) {
                ids[r * width + t] = expected.get("ids").get(r).get(t).asLong();
                types[r * width + t] =
                        expected.get("token_type_ids").get(r).get(t).asLong();
                mask[r * width + t] =
                        expected.get("attention_mask").get(r).get(t).asLong();
            }
        }
        return new TokenBatch(rows, width, ids, types, mask);
    }

    static double maxDiff(JsonNode rows, float[][] actual) {
        assertEquals(rows.size(), actual.length);
        double max = 0;
        for (int r = 0; r < actual.length; r++) {
            assertEquals(rows.get(r).size(), actual[r].length);
            for (int c = 0; c < actual[r].length; c++) {
                max = Math.max(max, Math.abs(rows.get(r).get(c).asDouble() - actual[r][c]));
            }
        }
        return max;
    }

    static JsonNode expected() throws Exception {
        return new ObjectMapper().readTree(fixtureDir().resolve("expected.json").toFile());
    }

    static Path fixtureDir() throws Exception {
        return Paths.get(BertFixtureTest.class
                        .getResource("/fixtures/bert-tiny/config.json")
                        .toURI())
                .getParent();
    }
}

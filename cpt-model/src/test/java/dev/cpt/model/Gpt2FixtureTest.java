package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cpt.model.nn.Mlp;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/**
 * Compares this model's logits with an independent plain-torch GPT-2 forward pass
 * (src/test/python/make_gpt2_fixture.py), imported through the safetensors reader.
 */
class Gpt2FixtureTest {

    private static final double TOLERANCE = 1e-4;

    @Test
    void logitsMatchTheTorchReference() throws Exception {
        Path dir = fixtureDir();
        JsonNode expected =
                new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        int[] tokens = new int[expected.get("tokens").size()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = expected.get("tokens").get(i).asInt();
        }
        try (LanguageModel model = LanguageModel.importHuggingFace(dir)) {
            assertEquals(new GptConfig(300, 16, 2, 3, 24, 1e-5f), model.config());
            float[][] logits = model.logits(new int[][] {tokens})[0];
            JsonNode rows = expected.get("logits");
            assertEquals(rows.size(), logits.length);
            double maxDiff = 0;
            double maxAbs = 0;
            for (int t = 0; t < logits.length; t++) {
                assertEquals(rows.get(t).size(), logits[t].length);
                for (int v = 0; v < logits[t].length; v++) {
                    double ref = rows.get(t).get(v).asDouble();
                    maxDiff = Math.max(maxDiff, Math.abs(ref - logits[t][v]));
                    maxAbs = Math.max(maxAbs, Math.abs(ref));
                }
            }
            // guards against a degenerate fixture where everything is near zero
            assertTrue(maxAbs > 1.0, "fixture logits are too small to be a meaningful check: " + maxAbs);
            System.out.printf("fixture logits: max |java - torch| = %.3g%n", maxDiff);
            assertTrue(maxDiff <= TOLERANCE, "max |java - torch| = " + maxDiff);
        }
    }

    @Test
    void lossAndGradientNormMatchTheTorchReference() throws Exception {
        Path dir = fixtureDir();
        JsonNode expected =
                new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        int[] tokens = new int[expected.get("tokens").size()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = expected.get("tokens").get(i).asInt();
        }
        try (LanguageModel model = LanguageModel.importHuggingFace(dir)) {
            TrainStepResult r = model.trainStep(new int[][] {tokens}, OptimizerSettings.defaults());
            double loss = expected.get("train_loss").asDouble();
            double norm = expected.get("train_grad_norm").asDouble();
            System.out.printf(
                    "fixture loss %.7f vs %.7f, grad norm %.7f vs %.7f%n", r.loss(), loss, r.gradNorm(), norm);
            assertEquals(loss, r.loss(), 1e-4);
            assertEquals(tokens.length - 1, r.tokenCount());
            // the global norm covers every parameter's gradient, so a wrong backward anywhere shows
            assertEquals(norm, r.gradNorm(), 1e-4 * norm);
            assertTrue(r.applied());
        }
    }

    @Test
    void fusedAndComposedGeluAgree() throws Exception {
        assertTrue(Mlp.fusedGeluAvailable(), "the TorchScript tanh-GELU should load on linux-x86_64");
        Path dir = fixtureDir();
        int[][] rows = {{1, 2, 3, 250, 7, 9, 11}, {299, 0, 5}};
        float[][][] fused;
        float[][][] composed;
        double fusedNorm;
        double composedNorm;
        try (LanguageModel model = LanguageModel.importHuggingFace(dir)) {
            fused = model.logits(rows);
            fusedNorm = model.trainStep(rows, OptimizerSettings.defaults()).gradNorm();
        }
        boolean old = Mlp.useFusedGelu(false);
        try (LanguageModel model = LanguageModel.importHuggingFace(dir)) {
            composed = model.logits(rows);
            composedNorm = model.trainStep(rows, OptimizerSettings.defaults()).gradNorm();
        } finally {
            Mlp.useFusedGelu(old);
        }
        for (int r = 0; r < rows.length; r++) {
            for (int t = 0; t < rows[r].length; t++) {
                assertArrayEquals(fused[r][t], composed[r][t], 1e-4f);
            }
        }
        assertEquals(composedNorm, fusedNorm, 1e-4 * composedNorm);
    }

    static Path fixtureDir() throws URISyntaxException {
        return Paths.get(Gpt2FixtureTest.class
                        .getResource("/fixtures/gpt2-tiny/config.json")
                        .toURI())
                .getParent();
    }
}

package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cpt.common.io.SafeTensors;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.model.arch.CausalDecoder;
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.model.io.DecoderConfigJson;
import dev.cpt.model.train.GradientNorm;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compares the Llama-family decoder with an independent plain-torch implementation in float64
 * (src/test/python/make_llama_fixture.py, no transformers): {@code llama-tiny} covers grouped-query attention, an
 * untied head, an explicit head_dim and llama3 rope scaling; {@code qwen2-tiny} covers q/k/v biases, a single
 * key/value head, tied embeddings and linear rope scaling.
 */
class LlamaFixtureTest {

    private static final double LOGIT_TOLERANCE = 1e-4;
    /** Per tensor, relative to its largest reference entry. */
    private static final double GRADIENT_TOLERANCE = 1e-3;

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny", "qwen2-tiny"})
    void rotaryFrequenciesMatchTheTorchReference(String fixture) throws Exception {
        Fixture f = Fixture.read(fixture);
        JsonNode ref = f.expected().get("inverse_frequencies");
        double[] mine = f.config().inverseFrequencies();
        assertEquals(ref.size(), mine.length);
        for (int i = 0; i < mine.length; i++) {
            assertEquals(ref.get(i).asDouble(), mine[i], 1e-12 * ref.get(i).asDouble(), "frequency " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny", "qwen2-tiny"})
    void logitsMatchTheTorchReference(String fixture) throws Exception {
        Fixture f = Fixture.read(fixture);
        Tensor expected = f.reference().get("logits");
        try (LanguageModel model = f.model()) {
            float[][] logits = model.logits(new int[][] {f.tokens()})[0];
            int v = model.decoderConfig().vocabSize();
            assertArrayEquals(new long[] {f.tokens().length, v}, expected.shape());
            double maxDiff = 0;
            double maxAbs = 0;
            for (int t = 0; t < logits.length; t++) {
                for (int i = 0; i < v; i++) {
                    double ref = expected.data()[t * v + i];
                    maxDiff = Math.max(maxDiff, Math.abs(ref - logits[t][i]));
                    maxAbs = Math.max(maxAbs, Math.abs(ref));
                }
            }
            // guards against a degenerate fixture where everything is near zero
            assertTrue(maxAbs > 1.0, "fixture logits are too small to be a meaningful check: " + maxAbs);
            System.out.printf("%s logits: max |java - torch| = %.3g (largest logit %.3g)%n", fixture, maxDiff, maxAbs);
            assertTrue(maxDiff <= LOGIT_TOLERANCE, "max |java - torch| = " + maxDiff);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny", "qwen2-tiny"})
    void oneTrainingPassHasTheReferenceGradients(String fixture) throws Exception {
        Fixture f = Fixture.read(fixture);
        try (LanguageModel model = f.model()) {
            CausalDecoder decoder = model.decoder();
            Scorer scorer = new Scorer(decoder);
            Batch batch = scorer.lossBatch(new int[][] {f.tokens()});
            double loss;
            // the mean next-token cross-entropy, as Trainer.trainStep computes it, without the optimizer step
            try (NDScope scope = new NDScope();
                    NDManager step = decoder.manager().newSubManager();
                    GradientCollector collector = OfflineEngine.get().newGradientCollector()) {
                NDArray mean =
                        scorer.rowLossSums(step, batch, true).sum().div(NativeArrays.scalar(step, batch.tokenCount()));
                collector.backward(mean);
                loss = mean.getFloat();
            }
            assertEquals(f.expected().get("train_loss").asDouble(), loss, 1e-4);
            double norm = GradientNorm.of(decoder.parameters().values());
            double refNorm = f.expected().get("train_grad_norm").asDouble();
            assertEquals(refNorm, norm, GRADIENT_TOLERANCE * refNorm, "global gradient norm");
            double worst = 0;
            for (JsonNode name : f.expected().get("gradients")) {
                Tensor ref = f.reference().get("grad." + name.asText());
                NDArray grad =
                        decoder.parameters().get(name.asText()).getArray().getGradient();
                assertArrayEquals(ref.shape(), grad.getShape().getShape(), name.asText());
                float[] mine = grad.toFloatArray();
                double maxDiff = 0;
                double maxAbs = 0;
                for (int i = 0; i < mine.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(mine[i] - ref.data()[i]));
                    maxAbs = Math.max(maxAbs, Math.abs(ref.data()[i]));
                }
                assertTrue(maxAbs > 0, name.asText() + " has an all-zero reference gradient");
                double relative = maxDiff / maxAbs;
                worst = Math.max(worst, relative);
                assertTrue(relative <= GRADIENT_TOLERANCE, name.asText() + ": max diff / max |grad| = " + relative);
            }
            System.out.printf(
                    "%s gradients: loss %.7f, norm %.6g vs %.6g, worst max diff / max |grad| = %.3g%n",
                    fixture, loss, norm, refNorm, worst);
        }
    }

    /** One fixture directory: its config, the reference outputs and the tokens they were computed for. */
    record Fixture(Path dir, LlamaConfig config, JsonNode expected, Map<String, Tensor> reference) {

        static Fixture read(String name) throws Exception {
            Path dir = Paths.get(LlamaFixtureTest.class
                            .getResource("/fixtures/" + name + "/config.json")
                            .toURI())
                    .getParent();
            return new Fixture(
                    dir,
                    (LlamaConfig) DecoderConfigJson.read(dir.resolve("config.json")),
                    new ObjectMapper().readTree(dir.resolve("expected.json").toFile()),
                    SafeTensors.read(dir.resolve("expected.safetensors")).tensors());
        }

        int[] tokens() {
            int[] tokens = new int[expected.get("tokens").size()];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = expected.get("tokens").get(i).asInt();
            }
            return tokens;
        }

        /** The fixture imported as a Hugging Face directory, as a user would load it. */
        LanguageModel model() throws Exception {
            LanguageModel model = LanguageModel.importHuggingFace(dir);
            assertEquals(config, model.decoderConfig());
            return model;
        }
    }
}

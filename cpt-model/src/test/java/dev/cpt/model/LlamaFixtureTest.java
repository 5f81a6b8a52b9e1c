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
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cpt.common.io.Dtype;
import dev.cpt.common.io.SafeTensors;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.common.io.SafeTensorsFile;
import dev.cpt.common.io.SafeTensorsShards;
import dev.cpt.common.io.SafeTensorsWriter;
import dev.cpt.common.io.TensorEntry;
import dev.cpt.model.arch.CausalDecoder;
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.model.io.DecoderConfigJson;
import dev.cpt.model.tokenizer.TokenizerStore;
import dev.cpt.model.train.GradientNorm;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compares the Llama-family decoder with an independent plain-torch implementation in float64
 * (src/test/python/make_llama_fixture.py, no transformers): {@code llama-tiny} covers grouped-query attention, an
 * untied head, an explicit head_dim and llama3 rope scaling; {@code qwen2-tiny} covers q/k/v biases, a single
 * key/value head, tied embeddings and linear rope scaling. Each fixture's logits are checked read whole and sharded,
 * from float32 and from bf16 weights.
 */
class LlamaFixtureTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static final double LOGIT_TOLERANCE = 1e-4;
    /**
     * Logits of bf16 weights against the float32 reference: bf16 keeps 8 significant bits, and these fixtures' weight
     * scales (far above an initialisation's) and logits up to 19 make that a shift of up to 0.35 (llama-tiny) and
     * 0.75 (qwen2-tiny), as the torch reference itself measures (expected.json, bf16_weights_max_logit_change).
     */
    private static final double BF16_TOLERANCE = 1.0;
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

    static Stream<Arguments> fixturesInEveryForm() {
        return Stream.of("llama-tiny", "qwen2-tiny")
                .flatMap(name -> Stream.of(Dtype.F32, Dtype.BF16)
                        .flatMap(dtype -> Stream.of(false, true).map(sharded -> Arguments.of(name, dtype, sharded))));
    }

    /**
     * The fixture read whole and sharded, from its float32 weights and from torch's bf16 rounding of them: float32
     * against the float32 reference within 1e-4, bf16 (widened exactly on import) against the float64 logits of the
     * bf16 weights within 1e-4, and against the float32 reference within {@link #BF16_TOLERANCE}.
     */
    @ParameterizedTest(name = "{0} {1} sharded={2}")
    @MethodSource("fixturesInEveryForm")
    void logitsMatchTheTorchReference(String fixture, Dtype dtype, boolean sharded) throws Exception {
        Fixture f = Fixture.read(fixture);
        Path dir = f.copy(tmp, dtype, sharded);
        try (LanguageModel model = f.model(dir)) {
            assertEquals(dtype, model.exportDtype(), "the dtype the files store");
            float[][] logits = model.logits(new int[][] {f.tokens()})[0];
            int v = model.decoderConfig().vocabSize();
            Tensor float32 = f.reference().get("logits");
            assertArrayEquals(new long[] {f.tokens().length, v}, float32.shape());
            // guards against a degenerate fixture where everything is near zero
            assertTrue(maxAbs(float32.data()) > 1.0, "fixture logits are too small to be a meaningful check");
            double fromFloat32 = maxDiff(logits, float32.data());
            String form = fixture + " " + dtype + (sharded ? " sharded" : " whole");
            if (dtype == Dtype.F32) {
                System.out.printf(
                        "%s logits: max |java - torch| = %.3g (largest logit %.3g)%n",
                        form, fromFloat32, maxAbs(float32.data()));
                assertTrue(fromFloat32 <= LOGIT_TOLERANCE, form + ": max |java - torch| = " + fromFloat32);
            } else {
                float[] bf16Reference = f.reference().get("logits.bf16_weights").data();
                double fromBf16 = maxDiff(logits, bf16Reference);
                double rounding = maxDiff(new float[][] {bf16Reference}, float32.data());
                System.out.printf(
                        "%s logits: max |java - torch(bf16 weights)| = %.3g, max |java - torch(float32)| = %.3g%n",
                        form, fromBf16, fromFloat32);
                // the bf16 weights must move the logits well beyond 1e-4, or this case would not tell them apart
                assertTrue(rounding > 100 * LOGIT_TOLERANCE, "bf16 rounding moves the reference by only " + rounding);
                assertTrue(fromBf16 <= LOGIT_TOLERANCE, form + ": max |java - torch(bf16 weights)| = " + fromBf16);
                assertTrue(fromFloat32 <= BF16_TOLERANCE, form + ": max |java - torch(float32)| = " + fromFloat32);
            }
        }
    }

    private static double maxDiff(float[][] rows, float[] reference) {
        double max = 0;
        int i = 0;
        for (float[] row : rows) {
            for (float x : row) {
                max = Math.max(max, Math.abs(reference[i++] - (double) x));
            }
        }
        assertEquals(reference.length, i);
        return max;
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float x : values) {
            max = Math.max(max, Math.abs(x));
        }
        return max;
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
                    JSON.readTree(dir.resolve("expected.json").toFile()),
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
            return model(dir);
        }

        /** {@code weights} (the fixture or a copy of it) imported as a Hugging Face directory. */
        LanguageModel model(Path weights) throws Exception {
            LanguageModel model = LanguageModel.importHuggingFace(weights);
            assertEquals(config, model.decoderConfig());
            return model;
        }

        /**
         * The fixture as a directory of {@code dtype} weights ({@code model.safetensors}, or {@code
         * model.bf16.safetensors} renamed), whole or split by {@link #shard} into three shards: the fixture itself
         * for float32 whole.
         */
        Path copy(Path tmp, Dtype dtype, boolean sharded) throws IOException {
            if (dtype == Dtype.F32 && !sharded) {
                return dir;
            }
            Path out =
                    Files.createDirectories(tmp.resolve(dir.getFileName() + "-" + dtype + (sharded ? "-sharded" : "")));
            Files.copy(dir.resolve(LanguageModel.CONFIG_FILE), out.resolve(LanguageModel.CONFIG_FILE));
            Files.copy(dir.resolve(TokenizerStore.INFO_FILE), out.resolve(TokenizerStore.INFO_FILE));
            Path weights = dir.resolve(dtype == Dtype.F32 ? "model.safetensors" : "model.bf16.safetensors");
            if (sharded) {
                shard(weights, out, 3);
            } else {
                Files.copy(weights, out.resolve(SafeTensorsShards.SINGLE_FILE));
            }
            return out;
        }
    }

    /**
     * Splits one safetensors file into {@code count} shards plus {@code model.safetensors.index.json} in the {@code
     * transformers} format, tensor bytes copied as stored. Tensors are dealt round-robin, so each shard holds tensors
     * from all over the model (the project's export never does that: it fills shards in order).
     */
    static void shard(Path file, Path dir, int count) throws IOException {
        Map<String, String> weightMap = new TreeMap<>();
        long total = 0;
        try (SafeTensorsFile source = SafeTensorsFile.open(file)) {
            List<List<TensorEntry>> shards = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                shards.add(new ArrayList<>());
            }
            int next = 0;
            for (TensorEntry e : source.tensors().values()) {
                shards.get(next++ % count).add(e);
            }
            Dtype dtype = source.tensors().values().iterator().next().dtype();
            for (int i = 0; i < count; i++) {
                String name = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, count);
                List<SafeTensorsWriter.Source> sources = new ArrayList<>();
                for (TensorEntry e : shards.get(i)) {
                    assertEquals(dtype, e.dtype(), "one dtype per file");
                    sources.add(new SafeTensorsWriter.Source(e.name(), e.shape(), (channel, d) -> {
                        ByteBuffer bytes = ByteBuffer.allocate((int) e.byteSize());
                        source.read(e, bytes);
                        while (bytes.hasRemaining()) {
                            channel.write(bytes);
                        }
                    }));
                    weightMap.put(e.name(), name);
                }
                total += SafeTensorsWriter.writeFile(dir.resolve(name), sources, dtype, source.metadata());
            }
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        index.set("weight_map", JSON.valueToTree(weightMap));
        Files.write(dir.resolve(SafeTensorsShards.INDEX_FILE), JSON.writeValueAsBytes(index));
    }
}

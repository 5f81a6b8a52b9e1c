package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.engine.OfflineEngine;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Generation with the key/value cache against the reference that re-runs the whole window for every token, on random
 * models of each family: GPT-2, a Llama with grouped-query attention and a tied head, and a Qwen2-style one
 * (grouped-query, q/k/v biases, untied head). Same tokens, and the same log-probabilities within 1e-5, single and batched, greedy and
 * sampled, including prompts at and beyond the context length.
 */
class KvCacheGenerationTest {

    private static final double TOLERANCE = 1e-5;
    private static final Map<String, LanguageModel> MODELS = new LinkedHashMap<>();

    @BeforeAll
    static void models() {
        MODELS.put("gpt2", sharpened(LanguageModel.create(new GptConfig(256, 40, 2, 4, 32), 3), "wte.weight", 10));
        // GQA 4 on 2, no biases, tied head: a tied random model already favours repeating the input token, and
        // sharpening it further leaves nothing else to sample, so its final norm is scaled less
        LlamaConfig llama = new LlamaConfig(
                LlamaConfig.LLAMA,
                256,
                64,
                48,
                128,
                2,
                4,
                2,
                12,
                1e-6f,
                10_000,
                new RopeScaling.None(),
                true,
                false,
                false);
        MODELS.put("llama", sharpened(LanguageModel.create(llama, 4), "model.norm.weight", 3));
        // GQA 6 on 2, q/k/v biases, untied head, Qwen2's rotary base
        LlamaConfig qwen2 = new LlamaConfig(
                LlamaConfig.QWEN2,
                256,
                40,
                48,
                96,
                2,
                6,
                2,
                8,
                1e-6f,
                1_000_000,
                new RopeScaling.None(),
                false,
                true,
                false);
        MODELS.put("qwen2", sharpened(LanguageModel.create(qwen2, 5), "lm_head.weight", 10));
    }

    /**
     * A random model's next-token distributions are nearly uniform, so argmax ties within float rounding would make
     * greedy comparisons depend on summation order rather than on the cache. Scaling the output head spreads the
     * logits over several units; random biases (zero at initialisation) make the bias paths count.
     */
    private static LanguageModel sharpened(LanguageModel model, String head, float scale) {
        Random rng = new Random(99);
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad()) {
            for (Map.Entry<String, Parameter> e : model.decoder().parameters().entrySet()) {
                NDArray w = e.getValue().getArray();
                if (e.getKey().equals(head)) {
                    w.muli(NativeArrays.scalar(w.getManager(), scale));
                } else if (e.getKey().endsWith(".bias")) {
                    float[] noise = new float[(int) w.size()];
                    for (int i = 0; i < noise.length; i++) {
                        noise[i] = (float) (0.1 * rng.nextGaussian());
                    }
                    w.addi(NativeArrays.create(w.getManager(), noise, w.getShape()));
                }
            }
        }
        return model;
    }

    @AfterAll
    static void close() {
        MODELS.values().forEach(LanguageModel::close);
    }

    private static Generator cached(String family) {
        return new Generator(MODELS.get(family).decoder(), true);
    }

    private static Generator uncached(String family) {
        return new Generator(MODELS.get(family).decoder(), false);
    }

    private static int ctx(String family) {
        return MODELS.get(family).decoderConfig().contextLength();
    }

    private static int[] prompt(int length, long seed) {
        Random rng = new Random(seed);
        int[] p = new int[length];
        for (int i = 0; i < length; i++) {
            p[i] = rng.nextInt(256);
        }
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2"})
    void greedyGenerationIsTheSameWithAndWithoutTheCache(String family) {
        int ctx = ctx(family);
        // short, one below the context, exactly the context, and beyond it (cropped): the longer ones slide the window
        for (int length : new int[] {1, 7, ctx - 4, ctx, ctx + 9}) {
            int[] prompt = prompt(length, length);
            SamplingSettings greedy = SamplingSettings.greedy(12);
            Generator.Rollout with = cached(family).continuation(prompt, greedy, new Random(0));
            Generator.Rollout without = uncached(family).continuation(prompt, greedy, new Random(0));
            assertEquals(12, with.tokens().length, family + " prompt " + length);
            assertArrayEquals(without.tokens(), with.tokens(), family + " prompt " + length);
            assertClose(without.logProbs(), with.logProbs(), family + " prompt " + length);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2"})
    void cachedLogProbabilitiesAreTheScorersOnTheWholeSequence(String family) {
        LanguageModel model = MODELS.get(family);
        int ctx = ctx(family);
        // the last one fills the context exactly: its final token is picked after ctx positions
        for (int length : new int[] {1, 9, ctx + 1 - 16}) {
            int[] prompt = prompt(length, 100 + length);
            Generator.Rollout r = cached(family).continuation(prompt, SamplingSettings.greedy(16), new Random(0));
            float[] scored = model.completionLogProbs(new int[][] {prompt}, new int[][] {r.tokens()})[0];
            assertClose(scored, r.logProbs(), family + " prompt " + length);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2"})
    void batchedSamplingIsTheSameWithAndWithoutTheCache(String family) {
        LanguageModel model = MODELS.get(family);
        int ctx = ctx(family);
        int max = 14;
        for (int length : new int[] {3, ctx + 1 - max}) {
            int[] prompt = prompt(length, 200 + length);
            // a stop token that row 0 samples, so some rows finish while others go on
            SamplingSettings open = new SamplingSettings(1.5, 40, 0.95, max, Set.of());
            int stop = cached(family).group(prompt, 5, open, new Random(7))[0].tokens()[4];
            SamplingSettings s = open.withStopTokens(Set.of(stop));
            Generator.Rollout[] with = cached(family).group(prompt, 5, s, new Random(7));
            Generator.Rollout[] without = uncached(family).group(prompt, 5, s, new Random(7));
            Set<String> distinct = new HashSet<>();
            boolean stoppedEarly = false;
            for (int r = 0; r < 5; r++) {
                String what = family + " prompt " + length + " row " + r;
                assertArrayEquals(without[r].tokens(), with[r].tokens(), what);
                assertClose(without[r].logProbs(), with[r].logProbs(), what);
                // the log-probabilities GRPO stores for these rollouts, at the sampling temperature
                float[] scored = model.completionLogProbs(new int[][] {prompt}, new int[][] {with[r].tokens()}, 1.5)[0];
                assertClose(scored, with[r].logProbs(), what + " against the scorer");
                distinct.add(Arrays.toString(with[r].tokens()));
                stoppedEarly |= with[r].tokens().length < max;
            }
            assertTrue(distinct.size() > 1, family + ": the rows of a sampled batch should differ");
            assertTrue(stoppedEarly, family + ": row 0 samples the stop token");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2"})
    void everyRowOfAGreedyGroupIsTheSingleContinuation(String family) {
        int[] prompt = prompt(6, 300);
        SamplingSettings greedy = SamplingSettings.greedy(20);
        int[] single = cached(family).generate(prompt, greedy, new Random(0));
        for (int[] row : cached(family).sampleGroup(prompt, 4, greedy, new Random(0))) {
            assertArrayEquals(single, row, family);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2"})
    void promptsOfDifferentLengthsInOneBatchGetWhatEachGetsAlone(String family) {
        LanguageModel model = MODELS.get(family);
        int ctx = ctx(family);
        // the last prompt leaves room for fewer new tokens than asked: its row stops at the context
        int[][] prompts = {prompt(3, 400), prompt(9, 401), prompt(3, 402), prompt(ctx - 5, 403)};
        SamplingSettings greedy = SamplingSettings.greedy(10);
        Generator.Rollout[] batched = cached(family).sample(prompts, greedy, new Random(0));
        for (int r = 0; r < prompts.length; r++) {
            String what = family + " row " + r;
            int room = Math.min(10, ctx + 1 - prompts[r].length);
            Generator.Rollout alone =
                    cached(family).group(prompts[r], 1, SamplingSettings.greedy(room), new Random(0))[0];
            assertEquals(room, batched[r].tokens().length, what);
            assertArrayEquals(alone.tokens(), batched[r].tokens(), what);
            float[] scored = model.completionLogProbs(new int[][] {prompts[r]}, new int[][] {batched[r].tokens()})[0];
            assertClose(scored, batched[r].logProbs(), what + " against the scorer");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2"})
    void sampledRowsOfDifferentPromptsCarryTheScorersLogProbabilities(String family) {
        LanguageModel model = MODELS.get(family);
        int[][] prompts = {prompt(4, 500), prompt(4, 500), prompt(11, 501), prompt(11, 501), prompt(7, 502)};
        // a stop token the first row samples, so rows finish at different steps
        SamplingSettings open = new SamplingSettings(1.3, 0, 1.0, 12, Set.of());
        int stop = cached(family).sample(prompts, open, new Random(5))[0].tokens()[3];
        SamplingSettings s = open.withStopTokens(Set.of(stop));
        Generator.Rollout[] with = cached(family).sample(prompts, s, new Random(5));
        Generator.Rollout[] without = uncached(family).sample(prompts, s, new Random(5));
        for (int r = 0; r < prompts.length; r++) {
            String what = family + " row " + r;
            assertArrayEquals(without[r].tokens(), with[r].tokens(), what);
            float[] scored = model.completionLogProbs(new int[][] {prompts[r]}, new int[][] {with[r].tokens()}, 1.3)[0];
            assertClose(scored, with[r].logProbs(), what + " against the scorer");
        }
        int[] first = with[0].tokens();
        assertTrue(first.length <= 4 && first[first.length - 1] == stop, family + ": row 0 ends with its stop token");
    }

    @Test
    void theNativeSamplerPicksWhatTheJavaSamplerPicks() {
        int rows = 64;
        int v = 300;
        Random rng = new Random(11);
        float[] logits = new float[rows * v];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (3 * rng.nextGaussian());
        }
        SamplingSettings[] settings = {
            SamplingSettings.greedy(1),
            new SamplingSettings(1.0, 0, 1.0, 1, Set.of()),
            new SamplingSettings(0.7, 20, 1.0, 1, Set.of()),
            new SamplingSettings(1.3, 0, 0.8, 1, Set.of()),
            new SamplingSettings(0.9, 50, 0.6, 1, Set.of()),
            new SamplingSettings(1.0, 1, 1.0, 1, Set.of()),
        };
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad();
                NDManager m = OfflineEngine.get().newBaseManager()) {
            NDArray batch = NativeArrays.create(m, logits, new Shape(rows, v));
            for (SamplingSettings s : settings) {
                double[] uniforms = new double[rows];
                for (int r = 0; r < rows; r++) {
                    uniforms[r] = rng.nextDouble();
                }
                Sampler.Picks picks = Sampler.sample(batch, s, uniforms);
                for (int r = 0; r < rows; r++) {
                    float[] row = Arrays.copyOfRange(logits, r * v, (r + 1) * v);
                    int expected = Sampler.sample(row, s, uniforms[r]);
                    assertEquals(expected, picks.tokens()[r], s + " row " + r);
                    assertEquals(Sampler.logProb(row, expected, s.temperature()), picks.logProbs()[r], TOLERANCE);
                }
            }
        }
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": lengths");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], TOLERANCE, what + ": log-probability " + i);
        }
    }
}

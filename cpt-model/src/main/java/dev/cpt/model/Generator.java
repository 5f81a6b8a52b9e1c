package dev.cpt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.cpt.model.arch.CausalDecoder;
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.model.nn.KvCache;
import java.util.Arrays;
import java.util.Objects;
import java.util.Random;

/**
 * Sampling continuations from a decoder without gradients, a batch of rows at a time.
 *
 * <p>With the key/value cache (the default), the prompt is run once (prefill) and each step then feeds only the
 * newest token of every row, attending over the cached keys and values; tokens are picked in native memory, so a step
 * copies B tokens to Java rather than B x V logits. Without it, every step re-runs the whole window and picks from
 * logits copied to Java: the reference the cached path is tested and benchmarked against. {@link LanguageModel} is
 * the API; this class is public for the benchmark. Not thread-safe.
 */
public final class Generator {

    /** New tokens and, for each, its log-probability under the temperature-scaled softmax it was sampled from. */
    record Rollout(int[] tokens, float[] logProbs) {}

    private final CausalDecoder decoder;
    private final boolean kvCache;

    /** A generator with the key/value cache. */
    Generator(CausalDecoder decoder) {
        this(decoder, true);
    }

    /** @param kvCache false re-runs the whole window for every token (the reference path) */
    public Generator(CausalDecoder decoder, boolean kvCache) {
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.kvCache = kvCache;
    }

    /**
     * Continues {@code prompt} and returns only the new tokens, stopping after {@code maxNewTokens} or before a
     * sampled stop token. The decoder sees at most the last {@code contextLength} tokens.
     */
    public int[] generate(int[] prompt, SamplingSettings s, Random rng) {
        return continuation(prompt, s, rng).tokens();
    }

    /** As {@link #generate}, with each token's log-probability. */
    Rollout continuation(int[] prompt, SamplingSettings s, Random rng) {
        Objects.requireNonNull(s, "sampling settings");
        Objects.requireNonNull(rng, "rng");
        requireNonEmpty(prompt);
        requireInVocabulary(prompt);
        Rollout r = run(prompt, 1, s, rng)[0];
        int n = r.tokens().length;
        if (n > 0 && s.stopTokens().contains(r.tokens()[n - 1])) {
            // a single continuation ends before its stop token
            return new Rollout(Arrays.copyOf(r.tokens(), n - 1), Arrays.copyOf(r.logProbs(), n - 1));
        }
        return r;
    }

    /**
     * Samples {@code count} completions of one prompt as one batch; a completion that sampled a stop token keeps it.
     * Requires {@code prompt.length + maxNewTokens <= contextLength + 1}.
     */
    public int[][] sampleGroup(int[] prompt, int count, SamplingSettings s, Random rng) {
        Rollout[] rollouts = group(prompt, count, s, rng);
        int[][] out = new int[count][];
        for (int r = 0; r < count; r++) {
            out[r] = rollouts[r].tokens();
        }
        return out;
    }

    /** As {@link #sampleGroup}, with each token's log-probability. */
    Rollout[] group(int[] prompt, int count, SamplingSettings s, Random rng) {
        Objects.requireNonNull(s, "sampling settings");
        Objects.requireNonNull(rng, "rng");
        if (count <= 0) {
            throw new IllegalArgumentException("count must be positive, got " + count);
        }
        requireNonEmpty(prompt);
        if (prompt.length + s.maxNewTokens() > decoder.contextLength() + 1) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens + " + s.maxNewTokens()
                    + " new tokens exceed the context of " + decoder.contextLength() + " + 1");
        }
        requireInVocabulary(prompt);
        return run(prompt, count, s, rng);
    }

    /**
     * {@code rows} continuations of {@code prompt}, each ending after {@code maxNewTokens} or with (and including) a
     * stop token. Row r's draws come from {@code rng} in row order, one per step while the row is unfinished.
     */
    private Rollout[] run(int[] prompt, int rows, SamplingSettings s, Random rng) {
        int ctx = decoder.contextLength();
        int max = s.maxNewTokens();
        // every row's tokens so far: the prompt, then what it sampled
        int[][] sequences = new int[rows][prompt.length + max];
        float[][] logProbs = new float[rows][max];
        int[] produced = new int[rows];
        boolean[] done = new boolean[rows];
        for (int[] row : sequences) {
            System.arraycopy(prompt, 0, row, 0, prompt.length);
        }
        // the positions the cached steps ever hold: all but the last sampled token's, and no more than the context
        int capacity = Math.min(ctx, prompt.length + max - 1);
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad();
                NDManager held = decoder.manager().newSubManager();
                KvCache cache =
                        kvCache && max > 0 && prompt.length <= ctx ? decoder.newCache(held, rows, capacity) : null) {
            for (int n = 0; n < max; n++) {
                int len = prompt.length + n;
                double[] uniforms = new double[rows];
                if (s.temperature() > 0) {
                    for (int r = 0; r < rows; r++) {
                        uniforms[r] = done[r] ? 0 : rng.nextDouble();
                    }
                }
                Sampler.Picks picks;
                try (NDScope scope = new NDScope();
                        NDManager step = decoder.manager().newSubManager()) {
                    if (!kvCache) {
                        picks = pickInJava(fullWindow(step, sequences, rows, len), s, uniforms, done);
                    } else if (cache == null || len > ctx) {
                        // The window slides (a prompt longer than the context starts it sliding): from here on the
                        // model sees the last contextLength tokens, which start one position later at every step.
                        // Cached keys and values cannot be reused for that window:
                        // each was computed at its old absolute position (a learned position or a rotary angle) and
                        // from a context that included tokens the window has since dropped. Re-running the window is
                        // the model's exact distribution on it, as the uncached path computes it.
                        picks = Sampler.sample(fullWindow(step, sequences, rows, len), s, uniforms);
                    } else {
                        picks = Sampler.sample(cachedStep(step, cache, sequences, rows, len), s, uniforms);
                    }
                }
                boolean all = true;
                for (int r = 0; r < rows; r++) {
                    if (done[r]) {
                        continue;
                    }
                    int next = picks.tokens()[r];
                    sequences[r][len] = next;
                    logProbs[r][produced[r]++] = picks.logProbs()[r];
                    done[r] = s.stopTokens().contains(next);
                    all &= done[r];
                }
                if (all) {
                    break;
                }
            }
        }
        Rollout[] out = new Rollout[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = new Rollout(
                    Arrays.copyOfRange(sequences[r], prompt.length, prompt.length + produced[r]),
                    Arrays.copyOf(logProbs[r], produced[r]));
        }
        return out;
    }

    /**
     * Logits [rows, V] after the first {@code len} tokens of each row, feeding the decoder only what the cache lacks:
     * the prompt on the first step (prefill), then each row's newest token. A finished row keeps being fed its last
     * token; its picks are discarded.
     */
    private NDArray cachedStep(NDManager step, KvCache cache, int[][] sequences, int rows, int len) {
        int from = cache.length();
        int t = len - from;
        long[] ids = new long[rows * t];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < t; i++) {
                ids[r * t + i] = sequences[r][from + i];
            }
        }
        return decoder.decode(NativeArrays.create(step, ids, new Shape(rows, t)), cache);
    }

    /** Logits [rows, V] at the last of each row's last min(len, contextLength) tokens, re-running that window. */
    private NDArray fullWindow(NDManager step, int[][] sequences, int rows, int len) {
        int start = Math.max(0, len - decoder.contextLength());
        int t = len - start;
        long[] window = new long[rows * t];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < t; i++) {
                window[r * t + i] = sequences[r][start + i];
            }
        }
        NDArray ids = NativeArrays.create(step, window, new Shape(rows, t));
        return decoder.logits(ids, false).get(new NDIndex(":, -1"));
    }

    /** The reference path's picks: every row's logits copied to Java and sampled there. */
    private static Sampler.Picks pickInJava(NDArray logits, SamplingSettings s, double[] uniforms, boolean[] done) {
        float[] flat = logits.toFloatArray();
        int rows = done.length;
        int v = flat.length / rows;
        int[] tokens = new int[rows];
        float[] logProbs = new float[rows];
        for (int r = 0; r < rows; r++) {
            if (done[r]) {
                continue;
            }
            float[] row = Arrays.copyOfRange(flat, r * v, (r + 1) * v);
            tokens[r] = Sampler.sample(row, s, uniforms[r]);
            logProbs[r] = Sampler.logProb(row, tokens[r], s.temperature());
        }
        return new Sampler.Picks(tokens, logProbs);
    }

    private static void requireNonEmpty(int[] prompt) {
        if (prompt == null || prompt.length == 0) {
            throw new IllegalArgumentException("prompt must contain at least one token");
        }
    }

    private void requireInVocabulary(int[] prompt) {
        for (int id : prompt) {
            if (id < 0 || id >= decoder.vocabSize()) {
                throw new IllegalArgumentException("prompt token " + id + " outside the vocabulary");
            }
        }
    }
}

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
 * newest token of every unfinished row, attending over the cached keys and values; tokens are picked in native memory,
 * so a step copies B tokens to Java rather than B x V logits. Without it, every step re-runs the whole window and
 * picks from logits copied to Java: the reference the cached path is tested and benchmarked against. {@link
 * LanguageModel} is the API; this class is public for the benchmark. Not thread-safe.
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
        // the rows the decoder is fed, in the order of the cache's rows: the cached path drops a row once it has
        // finished; the reference keeps feeding every row and discards a finished row's picks, as it always has
        int[] fed = new int[rows];
        for (int r = 0; r < rows; r++) {
            fed[r] = r;
        }
        // the positions the cached steps ever hold: all but the last sampled token's, and no more than the context
        int capacity = Math.min(ctx, prompt.length + max - 1);
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad();
                NDManager held = decoder.manager().newSubManager();
                KvCache cache =
                        kvCache && max > 0 && prompt.length <= ctx ? decoder.newCache(held, rows, capacity) : null) {
            for (int n = 0; n < max; n++) {
                int len = prompt.length + n;
                double[] uniforms = new double[fed.length];
                if (s.temperature() > 0) {
                    for (int i = 0; i < fed.length; i++) {
                        uniforms[i] = done[fed[i]] ? 0 : rng.nextDouble();
                    }
                }
                Sampler.Picks picks;
                try (NDScope scope = new NDScope();
                        NDManager step = decoder.manager().newSubManager()) {
                    if (!kvCache) {
                        picks = pickInJava(fullWindow(step, sequences, fed, len), s, uniforms, fed, done);
                    } else if (cache == null || len > ctx) {
                        // The window slides (a prompt longer than the context starts it sliding): from here on the
                        // model sees the last contextLength tokens, which start one position later at every step.
                        // The cached keys and values do not fit that window: each was computed at its old absolute
                        // position (a learned position or a rotary angle) and from a context that included tokens
                        // the window has since dropped. Re-running the window gives the model's exact distribution
                        // on it, as the reference path computes it.
                        picks = Sampler.sample(fullWindow(step, sequences, fed, len), s, uniforms);
                    } else {
                        picks = Sampler.sample(cachedStep(step, cache, sequences, fed, len), s, uniforms);
                    }
                }
                int live = 0;
                for (int i = 0; i < fed.length; i++) {
                    int r = fed[i];
                    if (done[r]) {
                        continue;
                    }
                    int next = picks.tokens()[i];
                    sequences[r][len] = next;
                    logProbs[r][produced[r]++] = picks.logProbs()[i];
                    done[r] = s.stopTokens().contains(next);
                    live += done[r] ? 0 : 1;
                }
                if (live == 0) {
                    break;
                }
                if (kvCache && live < fed.length) {
                    fed = dropFinished(fed, done, cache);
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

    /** The fed rows that have not finished, with the cache (when there is one) cut to their rows. */
    private static int[] dropFinished(int[] fed, boolean[] done, KvCache cache) {
        int[] live = Arrays.stream(fed).filter(r -> !done[r]).toArray();
        if (cache != null) {
            long[] keep = new long[live.length];
            for (int i = 0, k = 0; i < fed.length; i++) {
                if (!done[fed[i]]) {
                    keep[k++] = i;
                }
            }
            cache.keepRows(keep);
        }
        return live;
    }

    /**
     * Logits [fed rows, V] after the first {@code len} tokens of each fed row, feeding the decoder only what the cache
     * lacks: the prompt on the first step (prefill), then each row's newest token.
     */
    private NDArray cachedStep(NDManager step, KvCache cache, int[][] sequences, int[] fed, int len) {
        return decoder.decode(ids(step, sequences, fed, cache.length(), len), cache);
    }

    /**
     * Logits [fed rows, V] at the last of each fed row's last min(len, contextLength) tokens, re-running that window.
     * A finished row is fed what follows its end (zeros); its picks are discarded.
     */
    private NDArray fullWindow(NDManager step, int[][] sequences, int[] fed, int len) {
        int start = Math.max(0, len - decoder.contextLength());
        return decoder.logits(ids(step, sequences, fed, start, len), false).get(new NDIndex(":, -1"));
    }

    /** Token ids [fed rows, to - from]: positions [from, to) of each fed row, in {@code step}. */
    private static NDArray ids(NDManager step, int[][] sequences, int[] fed, int from, int to) {
        int t = to - from;
        long[] ids = new long[fed.length * t];
        for (int i = 0; i < fed.length; i++) {
            for (int j = 0; j < t; j++) {
                ids[i * t + j] = sequences[fed[i]][from + j];
            }
        }
        return NativeArrays.create(step, ids, new Shape(fed.length, t));
    }

    /** The reference path's picks: every fed row's logits copied to Java and sampled there. */
    private static Sampler.Picks pickInJava(
            NDArray logits, SamplingSettings s, double[] uniforms, int[] fed, boolean[] done) {
        float[] flat = logits.toFloatArray();
        int v = flat.length / fed.length;
        int[] tokens = new int[fed.length];
        float[] logProbs = new float[fed.length];
        for (int i = 0; i < fed.length; i++) {
            if (done[fed[i]]) {
                continue;
            }
            float[] row = Arrays.copyOfRange(flat, i * v, (i + 1) * v);
            tokens[i] = Sampler.sample(row, s, uniforms[i]);
            logProbs[i] = Sampler.logProb(row, tokens[i], s.temperature());
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

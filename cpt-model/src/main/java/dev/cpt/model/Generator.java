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
import java.util.stream.IntStream;

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
    public record Rollout(int[] tokens, float[] logProbs) {}

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
        Rollout r = run(new int[][] {prompt}, new int[] {s.maxNewTokens()}, s, rng)[0];
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
        int[][] prompts = new int[count][];
        Arrays.fill(prompts, prompt);
        int[] limits = new int[count];
        Arrays.fill(limits, s.maxNewTokens());
        return run(prompts, limits, s, rng);
    }

    /**
     * One completion per row of {@code prompts}, every row in one batch, with each token's log-probability: prompts
     * may differ in length (see {@link #run}). Row r ends after {@code min(maxNewTokens, contextLength + 1 -
     * prompts[r].length)} tokens, so it fits the context, or with a stop token, which it keeps. Rows with the same
     * prompt are a GRPO group; several prompts' groups sample together.
     */
    public Rollout[] sample(int[][] prompts, SamplingSettings s, Random rng) {
        Objects.requireNonNull(s, "sampling settings");
        Objects.requireNonNull(rng, "rng");
        if (prompts.length == 0) {
            throw new IllegalArgumentException("no prompts to continue");
        }
        int[] limits = new int[prompts.length];
        for (int r = 0; r < prompts.length; r++) {
            requireNonEmpty(prompts[r]);
            requireInVocabulary(prompts[r]);
            int room = decoder.contextLength() + 1 - prompts[r].length;
            if (room < 1) {
                throw new IllegalArgumentException("prompt " + r + " of " + prompts[r].length
                        + " tokens leaves no room in the context of " + decoder.contextLength());
            }
            limits[r] = Math.min(room, s.maxNewTokens());
        }
        return run(prompts, limits, s, rng);
    }

    /**
     * One continuation per row of {@code prompts}, all in one batch: row r ends after {@code limits[r]} new tokens or
     * with (and including) a stop token. Row r's draws come from {@code rng} in row order, one per step while the row is
     * sampling.
     *
     * <p>Prompts may differ in length without padding: the batch advances one position at a time for every row, and a
     * row whose prompt is longer than the shortest is fed its own prompt tokens (its picks discarded) until its prompt
     * is in. Every row therefore sits at its true positions (learned or rotary) and attends only to its own tokens, so
     * it gets exactly the distributions it would get alone; the cost is a few steps in which the longer prompts are
     * still being read, one token at a time.
     */
    private Rollout[] run(int[][] prompts, int[] limits, SamplingSettings s, Random rng) {
        int ctx = decoder.contextLength();
        int rows = prompts.length;
        int shortest = Integer.MAX_VALUE;
        int longest = 0;
        int end = 0;
        for (int r = 0; r < rows; r++) {
            shortest = Math.min(shortest, prompts[r].length);
            longest = Math.max(longest, prompts[r].length);
            end = Math.max(end, prompts[r].length + limits[r]);
        }
        // every row's tokens so far: its prompt, then what it sampled (zeros after its end)
        int[][] sequences = new int[rows][end];
        float[][] logProbs = new float[rows][];
        int[] produced = new int[rows];
        boolean[] done = new boolean[rows];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(prompts[r], 0, sequences[r], 0, prompts[r].length);
            logProbs[r] = new float[limits[r]];
            done[r] = limits[r] == 0;
        }
        // the rows the decoder is fed, in the order of the cache's rows: the cached path drops a row once it has
        // finished; the reference keeps feeding every row and discards a finished row's picks, as it always has
        int[] fed = kvCache
                ? IntStream.range(0, rows).filter(r -> !done[r]).toArray()
                : IntStream.range(0, rows).toArray();
        // the positions the cached steps ever hold: all but the last sampled token's, and no more than the context
        int capacity = Math.min(ctx, end - 1);
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad();
                NDManager held = decoder.manager().newSubManager();
                KvCache cache = kvCache && end > shortest && longest <= ctx && capacity > 0
                        ? decoder.newCache(held, fed.length, capacity)
                        : null) {
            for (int len = shortest; len < end && fed.length > 0; len++) {
                double[] uniforms = new double[fed.length];
                if (s.temperature() > 0) {
                    for (int i = 0; i < fed.length; i++) {
                        uniforms[i] = sampling(fed[i], len, prompts, done) ? rng.nextDouble() : 0;
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
                boolean finished = false;
                for (int i = 0; i < fed.length; i++) {
                    int r = fed[i];
                    if (!sampling(r, len, prompts, done)) {
                        // finished, or still reading its prompt: its next token is already in place
                        continue;
                    }
                    int next = picks.tokens()[i];
                    sequences[r][len] = next;
                    logProbs[r][produced[r]++] = picks.logProbs()[i];
                    done[r] = s.stopTokens().contains(next) || produced[r] == limits[r];
                    finished |= done[r];
                }
                if (kvCache && finished) {
                    fed = dropFinished(fed, done, cache);
                }
                if (!kvCache && allDone(done)) {
                    break;
                }
            }
        }
        Rollout[] out = new Rollout[rows];
        for (int r = 0; r < rows; r++) {
            int from = prompts[r].length;
            out[r] = new Rollout(
                    Arrays.copyOfRange(sequences[r], from, from + produced[r]),
                    Arrays.copyOf(logProbs[r], produced[r]));
        }
        return out;
    }

    /** Whether row r picks its next token after {@code len} tokens: it has read its prompt and has not finished. */
    private static boolean sampling(int r, int len, int[][] prompts, boolean[] done) {
        return !done[r] && len >= prompts[r].length;
    }

    private static boolean allDone(boolean[] done) {
        for (boolean d : done) {
            if (!d) {
                return false;
            }
        }
        return true;
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

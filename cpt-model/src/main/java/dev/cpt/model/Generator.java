package dev.cpt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.cpt.model.arch.CausalDecoder;
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.engine.OfflineEngine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/** Sampling continuations from a decoder, one token per forward pass, without gradients. Not thread-safe. */
final class Generator {

    private final CausalDecoder decoder;

    Generator(CausalDecoder decoder) {
        this.decoder = decoder;
    }

    /**
     * Continues {@code prompt} and returns only the new tokens, stopping after {@code maxNewTokens} or before a
     * sampled stop token. The decoder sees at most the last {@code contextLength} tokens.
     */
    int[] generate(int[] prompt, SamplingSettings s, Random rng) {
        requireNonEmpty(prompt);
        Objects.requireNonNull(s, "sampling settings");
        Objects.requireNonNull(rng, "rng");
        requireInVocabulary(prompt);
        int ctx = decoder.contextLength();
        List<Integer> sequence = new ArrayList<>(prompt.length + s.maxNewTokens());
        for (int id : prompt) {
            sequence.add(id);
        }
        int[] produced = new int[s.maxNewTokens()];
        int n = 0;
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad()) {
            while (n < s.maxNewTokens()) {
                int start = Math.max(0, sequence.size() - ctx);
                long[] window = new long[sequence.size() - start];
                for (int i = 0; i < window.length; i++) {
                    window[i] = sequence.get(start + i);
                }
                float[] last = lastLogits(window, 1, window.length, "0, -1");
                int next = Sampler.sample(last, s, rng);
                if (s.stopTokens().contains(next)) {
                    break;
                }
                produced[n++] = next;
                sequence.add(next);
            }
        }
        return Arrays.copyOf(produced, n);
    }

    /**
     * Samples {@code count} completions of one prompt as one batch; a completion that sampled a stop token keeps it.
     * Requires {@code prompt.length + maxNewTokens <= contextLength + 1}.
     */
    int[][] sampleGroup(int[] prompt, int count, SamplingSettings s, Random rng) {
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
        int v = decoder.vocabSize();
        List<List<Integer>> produced = new ArrayList<>();
        boolean[] done = new boolean[count];
        for (int r = 0; r < count; r++) {
            produced.add(new ArrayList<>());
        }
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad()) {
            for (int n = 0; n < s.maxNewTokens(); n++) {
                int len = prompt.length + n;
                long[] window = new long[count * len];
                for (int r = 0; r < count; r++) {
                    for (int i = 0; i < prompt.length; i++) {
                        window[r * len + i] = prompt[i];
                    }
                    List<Integer> mine = produced.get(r);
                    for (int i = 0; i < n; i++) {
                        // a finished row is padded with 0 after its end; its later samples are discarded
                        window[r * len + prompt.length + i] = i < mine.size() ? mine.get(i) : 0;
                    }
                }
                float[] last = lastLogits(window, count, len, ":, -1");
                boolean all = true;
                for (int r = 0; r < count; r++) {
                    if (done[r]) {
                        continue;
                    }
                    float[] row = Arrays.copyOfRange(last, r * v, (r + 1) * v);
                    int next = Sampler.sample(row, s, rng);
                    produced.get(r).add(next);
                    done[r] = s.stopTokens().contains(next);
                    all &= done[r];
                }
                if (all) {
                    break;
                }
            }
        }
        int[][] out = new int[count][];
        for (int r = 0; r < count; r++) {
            out[r] = produced.get(r).stream().mapToInt(Integer::intValue).toArray();
        }
        return out;
    }

    /** The logits at the last position of each of {@code rows} windows of {@code len} ids, row after row. */
    private float[] lastLogits(long[] window, int rows, int len, String lastPosition) {
        try (NDScope scope = new NDScope();
                NDManager step = decoder.manager().newSubManager()) {
            NDArray ids = NativeArrays.create(step, window, new Shape(rows, len));
            return decoder.logits(ids, false).get(new NDIndex(lastPosition)).toFloatArray();
        }
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

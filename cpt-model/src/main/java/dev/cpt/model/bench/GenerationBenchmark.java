package dev.cpt.model.bench;

import ai.djl.Device;
import dev.cpt.model.DecoderConfig;
import dev.cpt.model.Generator;
import dev.cpt.model.ModelPreset;
import dev.cpt.model.SamplingSettings;
import dev.cpt.model.arch.CausalDecoder;
import dev.cpt.model.engine.OfflineEngine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Generation throughput with the key/value cache against without it (the whole window re-run for every token), in
 * one JVM on one model, alternating the two over rounds so background load hits both alike. Not a test: run it
 * through {@code bench/generation.sh}.
 *
 * <p>Arguments: {@code --preset llamaDemo10M} {@code --batch 8} {@code --prompt 32} {@code --new 256} {@code --rounds
 * 2} {@code --threads 2}. Each round samples one group of {@code batch} completions of a random prompt (temperature
 * 0.8, top-k 50, top-p 0.95, no stop tokens, so every row runs to the end) with each generator and checks that both
 * sampled the same tokens. Prints a {@code RESULT} line per run and the median tokens/s of each with their ratio.
 */
public final class GenerationBenchmark {

    /** Fixed before the run: the cache should make generation at least this many times faster. */
    private static final double GOAL = 5.0;

    private GenerationBenchmark() {}

    public static void main(String[] args) {
        ModelPreset preset = ModelPreset.llamaDemo10M;
        int batch = 8;
        int promptLength = 32;
        int newTokens = 256;
        int rounds = 2;
        int threads = 2;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--preset" -> preset = ModelPreset.valueOf(v);
                case "--batch" -> batch = Integer.parseInt(v);
                case "--prompt" -> promptLength = Integer.parseInt(v);
                case "--new" -> newTokens = Integer.parseInt(v);
                case "--rounds" -> rounds = Integer.parseInt(v);
                case "--threads" -> threads = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        BenchArgs.engineThreads(threads);

        DecoderConfig config = preset.decoderConfig();
        SamplingSettings sampling = new SamplingSettings(0.8, 50, 0.95, newTokens, Set.of());
        try (CausalDecoder decoder = CausalDecoder.create(config, 0, Device.cpu())) {
            long params = decoder.parameters().values().stream()
                    .mapToLong(p -> p.getArray().size())
                    .sum();
            System.out.printf(
                    Locale.ROOT,
                    "generation: preset=%s (%s) params=%d ctx=%d vocab=%d libtorch=%s intra-op threads=%d batch=%d"
                            + " prompt=%d new=%d rounds=%d%n",
                    preset,
                    config.modelType(),
                    params,
                    config.contextLength(),
                    config.vocabSize(),
                    OfflineEngine.version(),
                    OfflineEngine.threads(),
                    batch,
                    promptLength,
                    newTokens,
                    rounds);
            Generator cached = new Generator(decoder, true);
            Generator full = new Generator(decoder, false);
            // warm-up: first calls load kernels and grow allocator pools
            SamplingSettings warm = new SamplingSettings(0.8, 50, 0.95, 8, Set.of());
            cached.sampleGroup(prompt(config, promptLength, -1), batch, warm, new Random(0));
            full.sampleGroup(prompt(config, promptLength, -1), batch, warm, new Random(0));

            List<Double> withCache = new ArrayList<>();
            List<Double> without = new ArrayList<>();
            boolean allSame = true;
            for (int round = 0; round < rounds; round++) {
                int[] prompt = prompt(config, promptLength, round);
                // alternate which goes first, so neither always runs on a cooler or warmer machine
                boolean cacheFirst = round % 2 == 0;
                int[][] a = null;
                int[][] b = null;
                for (int turn = 0; turn < 2; turn++) {
                    boolean useCache = cacheFirst == (turn == 0);
                    Generator g = useCache ? cached : full;
                    long t0 = System.nanoTime();
                    int[][] out = g.sampleGroup(prompt, batch, sampling, new Random(round));
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    long tokens = Arrays.stream(out).mapToLong(r -> r.length).sum();
                    double rate = tokens / seconds;
                    (useCache ? withCache : without).add(rate);
                    if (useCache) {
                        a = out;
                    } else {
                        b = out;
                    }
                    System.out.printf(
                            Locale.ROOT,
                            "RESULT round=%d mode=%s tokens=%d seconds=%.2f tokens_per_s=%.1f load=%s%n",
                            round,
                            useCache ? "kv_cache" : "full_window",
                            tokens,
                            seconds,
                            rate,
                            loadAverage());
                }
                allSame &= Arrays.deepEquals(a, b);
            }
            double cachedRate = median(withCache);
            double fullRate = median(without);
            double ratio = cachedRate / fullRate;
            System.out.println();
            System.out.printf(Locale.ROOT, "%-12s %14s%n", "mode", "tokens/s (median)");
            System.out.printf(Locale.ROOT, "%-12s %14.1f%n", "kv_cache", cachedRate);
            System.out.printf(Locale.ROOT, "%-12s %14.1f%n", "full_window", fullRate);
            System.out.printf(
                    Locale.ROOT,
                    "speed-up %.1fx (goal >= %.0fx: %s); same tokens in every round: %s%n",
                    ratio,
                    GOAL,
                    ratio >= GOAL ? "met" : "NOT met",
                    allSame ? "yes" : "no");
        }
    }

    private static int[] prompt(DecoderConfig config, int length, long seed) {
        Random rng = new Random(seed);
        int[] p = new int[length];
        for (int i = 0; i < length; i++) {
            p[i] = rng.nextInt(config.vocabSize());
        }
        return p;
    }

    private static double median(List<Double> xs) {
        double[] sorted = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String loadAverage() {
        try {
            String[] parts = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"))
                    .split(" ");
            return parts[0] + "," + parts[1] + "," + parts[2];
        } catch (java.io.IOException e) {
            return "n/a";
        }
    }
}

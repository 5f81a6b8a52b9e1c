package dev.cpt.model.bench;

import dev.cpt.model.DecoderConfig;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.LlamaConfig;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.RopeScaling;
import dev.cpt.model.TrainStepResult;
import dev.cpt.model.engine.OfflineEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Training throughput of {@link LanguageModel} on CPU. Not a test: run it through {@code
 * bench/train-throughput.sh}, which also runs the same model in PyTorch and prints the ratio.
 *
 * <p>Arguments: {@code --size small|medium|llama20m} {@code --batch 8} {@code --steps 20} {@code --warmup 3}
 * {@code --threads 2}. Prints one machine-readable {@code RESULT} line per size.
 */
public final class TrainThroughputBenchmark {

    private TrainThroughputBenchmark() {}

    public static void main(String[] args) throws IOException {
        String size = "small";
        int batch = 8;
        int steps = 20;
        int warmup = 3;
        int threads = 2;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--size" -> size = v;
                case "--batch" -> batch = Integer.parseInt(v);
                case "--steps" -> steps = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--threads" -> threads = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        OfflineEngine.ensureOffline(threads);

        DecoderConfig config = switch (size) {
            case "small" -> GptConfig.small1M();
            case "medium" -> GptConfig.medium10M();
            case "llama20m" -> llama20M();
            default -> throw new IllegalArgumentException("size must be small, medium or llama20m");
        };
        int seqLen = config.contextLength() + 1;
        Random rng = new Random(0);
        try (LanguageModel model = LanguageModel.create(config, 0)) {
            System.out.printf(
                    Locale.ROOT,
                    "djl: size=%s params=%d libtorch=%s intra-op threads=%d batch=%d ctx=%d%n",
                    size,
                    model.parameterCount(),
                    OfflineEngine.version(),
                    OfflineEngine.threads(),
                    batch,
                    config.contextLength());
            Timed timed = time(model, batch, seqLen, steps, warmup, rng);
            double median = timed.medianStepSeconds();
            long tokensPerStep = (long) batch * config.contextLength();
            System.out.printf(
                    Locale.ROOT,
                    "RESULT impl=djl size=%s params=%d batch=%d ctx=%d threads=%d steps=%d tokens_per_s=%.1f"
                            + " tokens_per_s_median=%.1f step_ms_median=%.1f peak_rss_mb=%.1f loss=%.4f%n",
                    size,
                    model.parameterCount(),
                    batch,
                    config.contextLength(),
                    OfflineEngine.threads(),
                    steps,
                    timed.tokensPerSecond(),
                    tokensPerStep / median,
                    1000 * median,
                    peakRssMb(),
                    timed.lastLoss());
        }
    }

    /** What {@link #time} measured: every timed step's seconds, the target tokens they trained on, the last loss. */
    record Timed(double[] stepSeconds, long tokens, double lastLoss) {
        double tokensPerSecond() {
            return tokens / Arrays.stream(stepSeconds).sum();
        }

        double medianStepSeconds() {
            double[] sorted = stepSeconds.clone();
            Arrays.sort(sorted);
            return sorted[sorted.length / 2];
        }
    }

    /**
     * {@code warmup} untimed, then {@code steps} timed AdamW steps (default settings) of {@code model} on batches of
     * {@code batch} random rows of {@code rowLength} tokens.
     */
    static Timed time(LanguageModel model, int batch, int rowLength, int steps, int warmup, Random rng) {
        OptimizerSettings settings = OptimizerSettings.defaults();
        int vocab = model.decoderConfig().vocabSize();
        for (int i = 0; i < warmup; i++) {
            model.trainStep(batch(rng, batch, rowLength, vocab), settings);
        }
        long tokens = 0;
        double lastLoss = 0;
        double[] stepSeconds = new double[steps];
        for (int i = 0; i < steps; i++) {
            // batch creation stays outside the timed region, as on the PyTorch side
            int[][] rows = batch(rng, batch, rowLength, vocab);
            long t0 = System.nanoTime();
            TrainStepResult r = model.trainStep(rows, settings);
            stepSeconds[i] = (System.nanoTime() - t0) / 1e9;
            tokens += r.tokenCount();
            lastLoss = r.loss();
        }
        return new Timed(stepSeconds, tokens, lastLoss);
    }

    /**
     * About 20.5M parameters in the Llama layout: vocabulary 8192, context 256, 11 layers of width 384, 6 query heads
     * on 2 key/value heads of width 64, SwiGLU width 1024, tied head, no biases. {@code bench/train_throughput.py}
     * builds the same shape as {@code llama20m}.
     */
    static LlamaConfig llama20M() {
        return new LlamaConfig(
                LlamaConfig.LLAMA,
                8192,
                256,
                384,
                1024,
                11,
                6,
                2,
                64,
                1e-5f,
                10_000,
                new RopeScaling.None(),
                true,
                false,
                false);
    }

    private static int[][] batch(Random rng, int rows, int len, int vocab) {
        int[][] b = new int[rows][len];
        for (int[] row : b) {
            for (int i = 0; i < len; i++) {
                row[i] = rng.nextInt(vocab);
            }
        }
        return b;
    }

    /** Peak resident set size of this process (JVM heap plus native tensors), from /proc. */
    private static double peakRssMb() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return Double.NaN;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }
}

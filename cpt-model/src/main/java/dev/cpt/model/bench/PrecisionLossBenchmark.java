package dev.cpt.model.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.LlamaConfig;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.Precision;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.model.tokenizer.ByteTokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * What fp16 mixed precision does to the training loss: one model from one seed trained twice on the same batches of a
 * corpus, at float32 and at fp16, the losses printed side by side. Not a test: run it through {@code
 * bench/precision-loss.sh}.
 *
 * <p>Arguments: {@code --corpus corpus/general/documents.jsonl.gz} {@code --steps 100} {@code --batch 8} {@code --seq
 * 128} {@code --threads 2}. The model is the demo's 2.8M-parameter Llama ({@link LlamaConfig#cpuDemo3M}) on the corpus'
 * UTF-8 bytes (its vocabulary of 2048 holds them).
 */
public final class PrecisionLossBenchmark {

    private PrecisionLossBenchmark() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> a = BenchArgs.parse(args, "--corpus", "--steps", "--batch", "--seq", "--threads");
        int steps = Integer.parseInt(a.getOrDefault("--steps", "100"));
        int batch = Integer.parseInt(a.getOrDefault("--batch", "8"));
        int seq = Integer.parseInt(a.getOrDefault("--seq", "128"));
        OfflineEngine.ensureOffline(Integer.parseInt(a.getOrDefault("--threads", "2")));
        int[] stream = corpusBytes(Path.of(a.getOrDefault("--corpus", "corpus/general/documents.jsonl.gz")));

        double[][] losses = new double[2][];
        double[] seconds = new double[2];
        for (Precision p : Precision.values()) {
            long t0 = System.nanoTime();
            losses[p.ordinal()] = train(p, stream, steps, batch, seq);
            seconds[p.ordinal()] = (System.nanoTime() - t0) / 1e9;
        }
        System.out.printf(
                Locale.ROOT,
                "Llama cpuDemo3M on bytes, %d steps of %d x %d tokens, %d corpus bytes, libtorch %s%n",
                steps,
                batch,
                seq,
                stream.length,
                OfflineEngine.version());
        System.out.printf(Locale.ROOT, "%6s %10s %10s %10s%n", "step", "float32", "fp16", "fp16-f32");
        for (int i = 0; i < steps; i++) {
            if (i % 10 == 0 || i == steps - 1) {
                System.out.printf(
                        Locale.ROOT,
                        "%6d %10.4f %10.4f %+10.4f%n",
                        i + 1,
                        losses[0][i],
                        losses[1][i],
                        losses[1][i] - losses[0][i]);
            }
        }
        double maxDiff = 0;
        for (int i = 0; i < steps; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(losses[1][i] - losses[0][i]));
        }
        System.out.printf(
                Locale.ROOT,
                "RESULT steps=%d last10_float32=%.4f last10_fp16=%.4f max_abs_step_diff=%.4f seconds_float32=%.1f"
                        + " seconds_fp16=%.1f%n",
                steps,
                tailMean(losses[0]),
                tailMean(losses[1]),
                maxDiff,
                seconds[0],
                seconds[1]);
    }

    /** The training loss of each of {@code steps} steps at {@code precision}; batches depend only on the seed. */
    private static double[] train(Precision precision, int[] stream, int steps, int batch, int seq) {
        Random rng = new Random(42);
        OptimizerSettings settings = OptimizerSettings.defaults().withLearningRate(3e-3);
        double[] losses = new double[steps];
        try (LanguageModel model = LanguageModel.create(LlamaConfig.cpuDemo3M(), 7)) {
            model.precision(precision);
            for (int i = 0; i < steps; i++) {
                int[][] rows = new int[batch][];
                for (int r = 0; r < batch; r++) {
                    int start = rng.nextInt(stream.length - seq - 1);
                    rows[r] = Arrays.copyOfRange(stream, start, start + seq + 1);
                }
                losses[i] = model.trainStep(rows, settings).loss();
            }
        }
        return losses;
    }

    /** The UTF-8 bytes of every document's text in a {@code documents.jsonl.gz}, one stream. */
    private static int[] corpusBytes(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder text = new StringBuilder();
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                JsonNode doc = json.readTree(line);
                text.append(doc.path("text").asText()).append("\n\n");
            }
        }
        return ByteTokenizer.INSTANCE.encode(text.toString());
    }

    private static double tailMean(double[] xs) {
        return Arrays.stream(xs, Math.max(0, xs.length - 10), xs.length)
                .average()
                .orElse(Double.NaN);
    }
}

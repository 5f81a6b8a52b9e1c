package dev.cpt.model.bench;

import dev.cpt.model.LanguageModel;
import dev.cpt.model.LlamaConfig;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.TrainStepResult;
import dev.cpt.model.engine.OfflineEngine;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Peak resident memory of training steps of a real-sized model on CPU, against what the optimizer must hold: the
 * float32 weights, their gradients and AdamW's two moments (4 x 4 bytes per parameter). Not a test: run it through
 * {@code bench/train-memory.sh}.
 *
 * <p>The baseline is a JVM with libtorch loaded and one tiny training step taken, heap settled. The model (random
 * weights, the shape {@link HfImportBenchmark#shape} names) is then created and trained on {@code --batch} rows of
 * {@code --tokens} positions for {@code --steps} steps. VmHWM is reset ({@code clear_refs}) at the baseline and again
 * before every step after the first, so the first step's peak includes the weights and the moments' first allocation
 * and a later step's peak is that step's own, in the steady state. Prints one {@code RESULT} line per step and one
 * breakdown line.
 *
 * <p>Arguments: {@code --shape smollm2-135m} {@code --batch 1} {@code --tokens 512} {@code --steps 2} {@code
 * --threads 2}.
 */
public final class TrainMemoryBenchmark {

    private static final long MB = 1024 * 1024;

    private TrainMemoryBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchArgs.parse(args, "--shape", "--batch", "--tokens", "--steps", "--threads");
        String shape = a.getOrDefault("--shape", "smollm2-135m");
        int batch = Integer.parseInt(a.getOrDefault("--batch", "1"));
        int tokens = Integer.parseInt(a.getOrDefault("--tokens", "512"));
        int steps = Integer.parseInt(a.getOrDefault("--steps", "2"));
        OfflineEngine.ensureOffline(Integer.parseInt(a.getOrDefault("--threads", "2")));
        LlamaConfig config = HfImportBenchmark.shape(shape);
        OptimizerSettings settings = OptimizerSettings.defaults();
        Random rng = new Random(0);

        // libtorch, autograd and the optimizer's code paths loaded, so the baseline holds no first-use costs
        try (LanguageModel warm = LanguageModel.create(LlamaConfig.tiny(300), 0)) {
            warm.trainStep(rows(rng, 1, 9, 300), settings);
        }
        System.gc();
        Thread.sleep(500);
        long baseline = ProcStatus.resetPeak();

        try (LanguageModel model = LanguageModel.create(config, 0)) {
            long params = model.parameterCount();
            long weights = params * Float.BYTES;
            long afterCreate = ProcStatus.status("VmRSS");
            long firstPeak = 0;
            long steadyGrowth = 0;
            for (int s = 0; s < steps; s++) {
                long before = s == 0 ? baseline : ProcStatus.resetPeak();
                long t0 = System.nanoTime();
                TrainStepResult r = model.trainStep(rows(rng, batch, tokens + 1, config.vocabSize()), settings);
                double seconds = (System.nanoTime() - t0) / 1e9;
                long peak = ProcStatus.status("VmHWM");
                long after = ProcStatus.status("VmRSS");
                if (s == 0) {
                    firstPeak = peak;
                } else {
                    steadyGrowth = Math.max(steadyGrowth, peak - before);
                }
                System.out.printf(
                        Locale.ROOT,
                        "RESULT step=%d shape=%s params=%d batch=%d tokens=%d seconds=%.1f loss=%.3f applied=%s"
                                + " rss_before_mb=%d peak_hwm_mb=%d rss_after_mb=%d peak_growth_mb=%d%n",
                        s + 1,
                        shape,
                        params,
                        batch,
                        tokens,
                        seconds,
                        r.loss(),
                        r.applied(),
                        before / MB,
                        peak / MB,
                        after / MB,
                        (peak - before) / MB);
            }
            long growth = firstPeak - baseline;
            long state = 4 * weights; // weights + gradients + AdamW first and second moments, all float32
            System.out.printf(
                    Locale.ROOT,
                    "BREAKDOWN shape=%s params=%d batch=%d tokens=%d baseline_rss_mb=%d model_created_growth_mb=%d"
                            + " weights_mb=%d grads_mb=%d adam_moments_mb=%d state_total_mb=%d"
                            + " first_step_peak_growth_mb=%d beyond_state_mb=%d peak_over_state=%.2f"
                            + " later_step_peak_growth_mb=%d%n",
                    shape,
                    params,
                    batch,
                    tokens,
                    baseline / MB,
                    (afterCreate - baseline) / MB,
                    weights / MB,
                    weights / MB,
                    2 * weights / MB,
                    state / MB,
                    growth / MB,
                    (growth - state) / MB,
                    (double) growth / state,
                    steadyGrowth / MB);
        }
    }

    private static int[][] rows(Random rng, int count, int length, int vocab) {
        int[][] b = new int[count][length];
        for (int[] row : b) {
            for (int i = 0; i < length; i++) {
                row[i] = rng.nextInt(vocab);
            }
        }
        return b;
    }
}

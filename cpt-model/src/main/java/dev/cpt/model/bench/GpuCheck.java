package dev.cpt.model.bench;

import ai.djl.Device;
import dev.cpt.model.DecoderConfig;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.ModelPreset;
import dev.cpt.model.Precision;
import dev.cpt.model.SamplingSettings;
import dev.cpt.model.engine.ComputeDevice;
import dev.cpt.model.engine.OfflineEngine;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * What a GPU machine gives this project: the device and libtorch build the engine finds, training tokens/s and model
 * FLOPs utilisation at float32 and at fp16 mixed precision, and generation tokens/s with the key/value cache. Run it
 * through {@code bench/gpu-check.sh}.
 *
 * <p>Arguments: {@code --device gpu|cpu} (gpu); on a GPU {@code --preset smolLm2Shape135M} {@code --batch 8} {@code
 * --seq 1024} {@code --steps 10} {@code --warmup 3} {@code --new 128}, on the CPU a smoke run of {@code llamaTiny}
 * sized to take seconds; {@code --gpu-name} (what {@code nvidia-smi} calls the card, to look its peak up) or {@code
 * --peak-fp16-tflops} and {@code --peak-fp32-tflops} (dense peaks, for MFU; without either MFU is not printed).
 */
public final class GpuCheck {

    private static final String[] KNOWN = {
        "--device",
        "--preset",
        "--batch",
        "--seq",
        "--steps",
        "--warmup",
        "--new",
        "--gpu-name",
        "--peak-fp16-tflops",
        "--peak-fp32-tflops"
    };

    /** One measured figure: what was run ({@code train} or {@code generate}), at which precision, how fast. */
    public record Figure(String check, Precision precision, double tokensPerSecond, double mfu) {}

    /** Everything a run found: device, libtorch version and build, the model's size and the figures. */
    public record Report(Device device, String libtorch, String flavor, long parameters, List<Figure> figures) {}

    /** Dense peak TFLOPS of the matrix units at float16 and of plain float32 (libtorch keeps TF32 off for matmul). */
    record Peak(double fp16, double fp32) {
        double of(Precision p) {
            return p == Precision.FP16 ? fp16 : fp32;
        }

        /** NVIDIA's datasheet figures for the cards this project expects; null for any other. */
        static Peak forCard(String name) {
            String n = name.toUpperCase(Locale.ROOT);
            if (n.contains("H200") || (n.contains("H100") && !n.contains("PCIE"))) {
                return new Peak(989, 67);
            }
            if (n.contains("H100")) {
                return new Peak(756, 51);
            }
            return n.contains("A100") ? new Peak(312, 19.5) : null;
        }
    }

    private GpuCheck() {}

    public static void main(String[] args) {
        run(args, System.out);
    }

    /** Runs the check as {@code args} say, printing as it goes to {@code out}. */
    public static Report run(String[] args, PrintStream out) {
        Map<String, String> a = BenchArgs.parse(args, KNOWN);
        boolean gpu = !"cpu".equals(a.getOrDefault("--device", "gpu"));
        ModelPreset preset = ModelPreset.valueOf(a.getOrDefault("--preset", gpu ? "smolLm2Shape135M" : "llamaTiny"));
        int batch = Integer.parseInt(a.getOrDefault("--batch", gpu ? "8" : "2"));
        int seq = Integer.parseInt(a.getOrDefault("--seq", gpu ? "1024" : "32"));
        int steps = Integer.parseInt(a.getOrDefault("--steps", gpu ? "10" : "2"));
        int warmup = Integer.parseInt(a.getOrDefault("--warmup", gpu ? "3" : "1"));
        int newTokens = Integer.parseInt(a.getOrDefault("--new", gpu ? "128" : "8"));
        Peak peak = a.containsKey("--peak-fp16-tflops")
                ? new Peak(
                        Double.parseDouble(a.get("--peak-fp16-tflops")),
                        Double.parseDouble(a.getOrDefault("--peak-fp32-tflops", "NaN")))
                : Peak.forCard(a.getOrDefault("--gpu-name", ""));

        Device device = (gpu ? ComputeDevice.gpu : ComputeDevice.cpu).resolve("--device");
        String version = OfflineEngine.version();
        String flavor = OfflineEngine.flavor();
        DecoderConfig config = preset.decoderConfig();
        out.printf(
                Locale.ROOT,
                "device: %s, %d CUDA device(s) visible; libtorch %s, %s build%n",
                device,
                OfflineEngine.get().getGpuCount(),
                version,
                flavor);
        out.printf(
                Locale.ROOT,
                "model: %s (%s), batch %d x %d tokens, %d timed steps after %d; peak TFLOPS fp16/fp32: %s%n",
                preset,
                config.modelType(),
                batch,
                seq,
                steps,
                warmup,
                peak == null ? "unknown, MFU not computed" : peak.fp16() + "/" + peak.fp32());

        List<Figure> figures = new ArrayList<>();
        long parameters = 0;
        for (Precision precision : Precision.values()) {
            try (LanguageModel model = LanguageModel.create(config, 0, device)) {
                model.precision(precision);
                parameters = model.parameterCount();
                double rate = TrainThroughputBenchmark.time(model, batch, seq + 1, steps, warmup, new Random(0))
                        .tokensPerSecond();
                // model FLOPs: 6 per parameter per token (forward 2, backward 4), attention's own products left out
                double mfu = peak == null ? Double.NaN : 6.0 * parameters * rate / (peak.of(precision) * 1e12);
                figures.add(print(out, new Figure("train", precision, rate, mfu)));
            }
        }
        try (LanguageModel model = LanguageModel.create(config, 0, device)) {
            figures.add(print(out, new Figure("generate", Precision.FLOAT32, generate(model, batch, newTokens), 0)));
        }
        return new Report(device, version, flavor, parameters, figures);
    }

    /** Tokens/s of {@code batch} completions of a 32-token prompt sampled together with the key/value cache. */
    private static double generate(LanguageModel model, int batch, int newTokens) {
        Random rng = new Random(1);
        int[] prompt = rng.ints(32, 0, model.decoderConfig().vocabSize()).toArray();
        SamplingSettings sampling = new SamplingSettings(0.8, 50, 0.95, newTokens, Set.of());
        // warm-up: the first call loads kernels and grows allocator pools
        model.sampleGroup(prompt, batch, new SamplingSettings(0.8, 50, 0.95, 4, Set.of()), rng);
        long t0 = System.nanoTime();
        int[][] out = model.sampleGroup(prompt, batch, sampling, rng);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return Arrays.stream(out).mapToLong(r -> r.length).sum() / seconds;
    }

    private static Figure print(PrintStream out, Figure f) {
        String mfu = f.check().equals("generate") ? "" : String.format(Locale.ROOT, " mfu=%.3f", f.mfu());
        out.printf(
                Locale.ROOT,
                "RESULT check=%s precision=%s tokens_per_s=%.1f%s%n",
                f.check(),
                f.precision().name().toLowerCase(Locale.ROOT),
                f.tokensPerSecond(),
                mfu);
        return f;
    }
}

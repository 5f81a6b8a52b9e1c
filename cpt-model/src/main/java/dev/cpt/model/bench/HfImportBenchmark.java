package dev.cpt.model.bench;

import dev.cpt.common.io.Dtype;
import dev.cpt.common.io.SafeTensorsWriter;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.LlamaConfig;
import dev.cpt.model.RopeScaling;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.model.io.LlamaConfigJson;
import dev.cpt.model.io.NativeWeights;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.model.tokenizer.TokenizerStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Import time and resident-memory growth of {@link LanguageModel#importHuggingFace} for real-sized Llama-family
 * directories of random bf16 weights. Not a test: run it through {@code bench/hf-import.sh}, which writes each
 * directory in one JVM ({@code --write}) and imports it in a fresh one ({@code --import}), so the import's
 * baseline is a JVM that has loaded libtorch and nothing else.
 *
 * <p>{@code --write DIR --shape smollm2-135m|qwen2.5-0.5b [--shard-bytes N]} streams the weights tensor by tensor
 * (the writer never holds more than one 1 MiB chunk). {@code --import DIR [--shard-bytes N]} prints a
 * machine-readable {@code RESULT} line: seconds, bytes held, VmRSS before and after, peak VmHWM, and the growth
 * against the goal of at most 1.5x the bytes held; then exports the model as bf16 shards beside {@code DIR} and prints
 * a second {@code RESULT} line with the export's seconds and peak growth.
 */
public final class HfImportBenchmark {

    private static final double GOAL = 1.5;
    private static final int CHUNK = 1 << 20;
    private static final int[][] PROBE = {{1, 2, 3, 4}};

    private HfImportBenchmark() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "--write" ->
                write(
                        Path.of(args[1]),
                        shape(args[3]),
                        args.length > 5 ? Long.parseLong(args[5]) : SafeTensorsWriter.DEFAULT_MAX_SHARD_BYTES);
            case "--import" ->
                importAndMeasure(
                        Path.of(args[1]),
                        args.length > 3 ? Long.parseLong(args[3]) : SafeTensorsWriter.DEFAULT_MAX_SHARD_BYTES);
            default ->
                throw new IllegalArgumentException(
                        "usage: --write DIR --shape S [--shard-bytes N] | --import DIR [--shard-bytes N]");
        }
    }

    /** The shapes of SmolLM2-135M and Qwen2.5-0.5B as their Hugging Face {@code config.json} files give them. */
    static LlamaConfig shape(String name) {
        return switch (name) {
            case "smollm2-135m" -> LlamaConfig.smolLm2Shape135M();
            case "qwen2.5-0.5b" -> LlamaConfig.qwen25Shape500M();
            // one layer around Llama-3-70B's embedding, 128256 x 8192: 4.2 GB as float32, a single tensor over 2 GiB
            case "llama3-70b-embedding" ->
                new LlamaConfig(
                        LlamaConfig.LLAMA,
                        128256,
                        8192,
                        8192,
                        1024,
                        1,
                        64,
                        8,
                        128,
                        1e-5f,
                        500_000,
                        new RopeScaling.None(),
                        true,
                        false,
                        false);
            default ->
                throw new IllegalArgumentException("shape must be smollm2-135m, qwen2.5-0.5b or llama3-70b-embedding");
        };
    }

    private static void write(Path dir, LlamaConfig c, long maxShardBytes) throws IOException {
        Files.createDirectories(dir);
        List<SafeTensorsWriter.Source> tensors = tensorsOf(c);
        List<String> files = SafeTensorsWriter.write(dir, tensors, Dtype.BF16, maxShardBytes, Map.of("format", "pt"));
        LlamaConfigJson.write(dir.resolve(LanguageModel.CONFIG_FILE), c);
        // random weights have no tokenizer of their own: the byte tokenizer's ids all fit these vocabularies
        TokenizerStore.write(ByteTokenizer.INSTANCE, dir);
        System.out.printf(Locale.ROOT, "wrote %s: %d tensors in %s%n", dir, tensors.size(), files);
    }

    /** Hugging Face's tensor names for a Llama-family config, weights random and RMSNorm gains one. */
    private static List<SafeTensorsWriter.Source> tensorsOf(LlamaConfig c) {
        long hidden = c.hiddenSize();
        long q = (long) c.heads() * c.headDim();
        long kv = (long) c.kvHeads() * c.headDim();
        List<SafeTensorsWriter.Source> out = new ArrayList<>();
        out.add(random("model.embed_tokens.weight", c.vocabSize(), hidden));
        for (int i = 0; i < c.layers(); i++) {
            String p = "model.layers." + i + ".";
            out.add(random(p + "self_attn.q_proj.weight", q, hidden));
            out.add(random(p + "self_attn.k_proj.weight", kv, hidden));
            out.add(random(p + "self_attn.v_proj.weight", kv, hidden));
            if (c.qkvBias()) {
                out.add(random(p + "self_attn.q_proj.bias", q));
                out.add(random(p + "self_attn.k_proj.bias", kv));
                out.add(random(p + "self_attn.v_proj.bias", kv));
            }
            out.add(random(p + "self_attn.o_proj.weight", hidden, q));
            out.add(random(p + "mlp.gate_proj.weight", c.intermediateSize(), hidden));
            out.add(random(p + "mlp.up_proj.weight", c.intermediateSize(), hidden));
            out.add(random(p + "mlp.down_proj.weight", hidden, c.intermediateSize()));
            out.add(ones(p + "input_layernorm.weight", hidden));
            out.add(ones(p + "post_attention_layernorm.weight", hidden));
        }
        out.add(ones("model.norm.weight", hidden));
        if (!c.tieWordEmbeddings()) {
            out.add(random("lm_head.weight", c.vocabSize(), hidden));
        }
        return out;
    }

    /** Uniform in [-0.04, 0.04), a Normal(0, 0.02)-sized spread, seeded by the name so reruns write the same bytes. */
    private static SafeTensorsWriter.Source random(String name, long... shape) {
        return new SafeTensorsWriter.Source(name, shape, (out, dtype) -> {
            SplittableRandom rng = new SplittableRandom(name.hashCode());
            fill(out, dtype, shape, () -> (rng.nextFloat() - 0.5f) * 0.08f);
        });
    }

    private static SafeTensorsWriter.Source ones(String name, long... shape) {
        return new SafeTensorsWriter.Source(name, shape, (out, dtype) -> fill(out, dtype, shape, () -> 1f));
    }

    @FunctionalInterface
    private interface FloatSource {
        float next();
    }

    private static void fill(WritableByteChannel out, Dtype dtype, long[] shape, FloatSource values)
            throws IOException {
        if (dtype != Dtype.BF16) {
            throw new IllegalArgumentException("the benchmark writes bf16 only");
        }
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) {
            // a bf16 value is the top half of a float32 (truncated here: the values are random anyway)
            chunk.putShort((short) (Float.floatToRawIntBits(values.next()) >>> 16));
            if (!chunk.hasRemaining()) {
                drain(out, chunk);
            }
        }
        drain(out, chunk);
    }

    private static void drain(WritableByteChannel out, ByteBuffer chunk) throws IOException {
        chunk.flip();
        while (chunk.hasRemaining()) {
            out.write(chunk);
        }
        chunk.clear();
    }

    private static void importAndMeasure(Path dir, long maxShardBytes) throws Exception {
        OfflineEngine.ensureOffline();
        // the baseline is a JVM with libtorch loaded: load it with a throwaway model, then settle the heap
        try (LanguageModel warm = LanguageModel.create(LlamaConfig.tiny(300), 0)) {
            warm.logits(new int[][] {{1, 2, 3}});
        }
        System.gc();
        Thread.sleep(500);
        long before = ProcStatus.resetPeak();
        long start = System.nanoTime();
        Path export = dir.resolveSibling(dir.getFileName() + "-export");
        float[][][] logits;
        try (LanguageModel model = LanguageModel.importHuggingFace(dir)) {
            double seconds = (System.nanoTime() - start) / 1e9;
            long after = ProcStatus.status("VmRSS");
            long peak = ProcStatus.status("VmHWM");
            long held = model.parameterCount() * NativeWeights.HELD.getNumOfBytes();
            logits = model.logits(PROBE);
            boolean finite = Float.isFinite(logits[0][3][0]);
            double growth = (double) (peak - before) / held;
            System.out.printf(
                    Locale.ROOT,
                    "RESULT dir=%s type=%s params=%d held=%s held_bytes=%d seconds=%.2f rss_before=%d rss_after=%d"
                            + " peak_hwm=%d growth_after=%.3f growth_peak=%.3f goal=%.1f pass=%s logits_finite=%s%n",
                    dir.getFileName(),
                    model.decoderConfig().modelType(),
                    model.parameterCount(),
                    NativeWeights.HELD,
                    held,
                    seconds,
                    before,
                    after,
                    peak,
                    (double) (after - before) / held,
                    growth,
                    GOAL,
                    growth <= GOAL,
                    finite);
            measureExport(model, export, maxShardBytes);
        }
        // bf16 -> float32 -> bf16 loses nothing, so the export must read back as the very same model
        try (LanguageModel again = LanguageModel.importHuggingFace(export)) {
            System.out.printf(
                    Locale.ROOT,
                    "RESULT reimport dir=%s logits_identical=%s%n",
                    export.getFileName(),
                    Arrays.deepEquals(logits, again.logits(PROBE)));
        }
    }

    /** The other way: the imported model written back as bf16 shards, and what that costs beyond the model. */
    private static void measureExport(LanguageModel model, Path target, long maxShardBytes) throws IOException {
        long before = ProcStatus.resetPeak();
        long start = System.nanoTime();
        model.exportHuggingFace(target, Dtype.BF16, maxShardBytes);
        double seconds = (System.nanoTime() - start) / 1e9;
        long peak = ProcStatus.status("VmHWM");
        long written;
        try (var files = Files.list(target)) {
            written = files.mapToLong(p -> p.toFile().length()).sum();
        }
        System.out.printf(
                Locale.ROOT,
                "RESULT export dir=%s dtype=BF16 bytes_written=%d seconds=%.2f rss_before=%d peak_hwm=%d"
                        + " peak_growth_bytes=%d%n",
                target.getFileName(),
                written,
                seconds,
                before,
                peak,
                peak - before);
    }
}

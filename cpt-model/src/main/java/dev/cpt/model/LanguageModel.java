package dev.cpt.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.cpt.common.io.SafeTensors;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.model.CheckpointInfo.FileEntry;
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.model.io.Gpt2ConfigJson;
import dev.cpt.model.io.Gpt2Weights;
import dev.cpt.model.io.Manifest;
import dev.cpt.model.nn.GptBlock;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.model.tokenizer.HuggingFaceTokenizerAdapter;
import dev.cpt.model.tokenizer.Tokenizer;
import dev.cpt.model.tokenizer.TokenizerStore;
import dev.cpt.model.train.AdamW;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A GPT-2-style causal language model with its AdamW state, on DJL's PyTorch engine.
 *
 * <p>Not thread-safe: methods are synchronized per instance, and libtorch's autograd recorder is
 * process-wide in DJL, so only one model in the JVM can be inside {@link #trainStep} at a time
 * (a second concurrent caller fails fast with {@link IllegalStateException}).
 */
public final class LanguageModel implements AutoCloseable {

    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String CONFIG_FILE = "config.json";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";

    static {
        OfflineEngine.ensureOffline();
    }

    private final GptConfig config;
    private final Tokenizer tokenizer;
    private final boolean ownsTokenizer;
    private final Engine engine;
    private final NDManager manager;
    private final GptBlock block;
    private final Map<String, Parameter> parameters;
    private final NDArray causalMask;
    private final AdamW optimizer;
    // The verified manifest's metadata when the model was loaded from a checkpoint, so callers need not hash it again.
    private Map<String, String> checkpointMetadata = Map.of();

    private LanguageModel(GptConfig config, long seed, Tokenizer tokenizer, boolean ownsTokenizer, Device device) {
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new IllegalArgumentException("tokenizer " + tokenizer.name() + " has " + tokenizer.vocabSize()
                    + " ids but the model vocabulary is " + config.vocabSize());
        }
        this.config = config;
        this.tokenizer = tokenizer;
        this.ownsTokenizer = ownsTokenizer;
        this.engine = OfflineEngine.get();
        this.manager = engine.newBaseManager(device);
        this.block = new GptBlock(config, seed);
        block.initialize(
                manager,
                DataType.FLOAT32,
                new Shape(1, config.contextLength()),
                new Shape(config.contextLength(), config.contextLength()));
        this.parameters = block.gpt2Parameters();
        this.causalMask = block.createCausalMask(manager);
        this.optimizer = new AdamW(parameters, manager);
    }

    // ---------------------------------------------------------------- construction

    /** A freshly initialised model on CPU with the byte tokenizer. */
    public static LanguageModel create(GptConfig config, long seed) {
        return create(config, seed, ByteTokenizer.INSTANCE, Device.cpu());
    }

    public static LanguageModel create(GptConfig config, long seed, Device device) {
        return create(config, seed, ByteTokenizer.INSTANCE, device);
    }

    /** The caller keeps ownership of {@code tokenizer} (the model does not close it). */
    public static LanguageModel create(GptConfig config, long seed, Tokenizer tokenizer, Device device) {
        return new LanguageModel(config, seed, tokenizer, false, device);
    }

    /** Loads a checkpoint written by {@link #save}, verifying every file's size and sha256 first. */
    public static LanguageModel load(Path checkpointDir) throws CheckpointException {
        return load(checkpointDir, null, Device.cpu());
    }

    /**
     * Loads a checkpoint and additionally requires its manifest hash to equal {@code
     * expectedManifestSha256} (when not null), so a caller holding a checkpoint id gets exactly it.
     */
    public static LanguageModel load(Path checkpointDir, String expectedManifestSha256, Device device)
            throws CheckpointException {
        Manifest.Verified manifest = Manifest.verify(checkpointDir);
        if (expectedManifestSha256 != null && !expectedManifestSha256.equalsIgnoreCase(manifest.sha256())) {
            throw new CheckpointException("checkpoint " + checkpointDir + " has manifest sha256 " + manifest.sha256()
                    + ", expected " + expectedManifestSha256);
        }
        List<String> listed = manifest.files().stream().map(FileEntry::path).toList();
        for (String required : List.of(CONFIG_FILE, WEIGHTS_FILE, TokenizerStore.INFO_FILE)) {
            if (!listed.contains(required)) {
                throw new CheckpointException("checkpoint " + checkpointDir + " manifest does not list " + required);
            }
        }
        GptConfig config =
                readStep(checkpointDir, CONFIG_FILE, () -> Gpt2ConfigJson.read(checkpointDir.resolve(CONFIG_FILE)));
        Tokenizer tokenizer =
                readStep(checkpointDir, TokenizerStore.INFO_FILE, () -> TokenizerStore.read(checkpointDir));
        LanguageModel model;
        try {
            model = new LanguageModel(config, 0L, tokenizer, true, device);
        } catch (RuntimeException e) {
            closeQuietly(tokenizer);
            throw new CheckpointException("checkpoint " + checkpointDir + ": " + e.getMessage(), e);
        }
        try {
            SafeTensors.Contents weights =
                    readStep(checkpointDir, WEIGHTS_FILE, () -> SafeTensors.read(checkpointDir.resolve(WEIGHTS_FILE)));
            readStep(checkpointDir, WEIGHTS_FILE, () -> {
                Gpt2Weights.load(model.parameters, weights.tensors());
                return null;
            });
            if (listed.contains(OPTIMIZER_FILE)) {
                SafeTensors.Contents opt = readStep(
                        checkpointDir, OPTIMIZER_FILE, () -> SafeTensors.read(checkpointDir.resolve(OPTIMIZER_FILE)));
                readStep(checkpointDir, OPTIMIZER_FILE, () -> {
                    model.restoreOptimizer(opt);
                    return null;
                });
            }
            model.checkpointMetadata = manifest.metadata();
            return model;
        } catch (CheckpointException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Imports a Hugging Face GPT-2 directory ({@code config.json} + {@code model.safetensors}, F32,
     * optional {@code transformer.} prefix). Uses its {@code tokenizer.json} when present, else the
     * byte tokenizer (which needs {@code vocab_size >= 256}).
     */
    public static LanguageModel importHuggingFace(Path dir) throws IOException {
        Path tokFile = dir.resolve(TokenizerStore.HF_FILE);
        if (Files.isRegularFile(tokFile)) {
            HuggingFaceTokenizerAdapter tok = HuggingFaceTokenizerAdapter.load(tokFile);
            try {
                return importHuggingFace(dir, tok, true);
            } catch (IOException | RuntimeException e) {
                tok.close();
                throw e;
            }
        }
        return importHuggingFace(dir, ByteTokenizer.INSTANCE, false);
    }

    /** As {@link #importHuggingFace(Path)} with an explicit tokenizer the caller keeps owning. */
    public static LanguageModel importHuggingFace(Path dir, Tokenizer tokenizer) throws IOException {
        return importHuggingFace(dir, tokenizer, false);
    }

    private static LanguageModel importHuggingFace(Path dir, Tokenizer tokenizer, boolean owns) throws IOException {
        GptConfig config = Gpt2ConfigJson.read(dir.resolve(CONFIG_FILE));
        SafeTensors.Contents contents = SafeTensors.read(dir.resolve(WEIGHTS_FILE));
        LanguageModel model = new LanguageModel(config, 0L, tokenizer, owns, Device.cpu());
        try {
            Gpt2Weights.load(model.parameters, contents.tensors());
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw new IOException(dir.resolve(WEIGHTS_FILE) + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- training

    /**
     * One AdamW step on a batch. Each row is a token sequence of length 2..contextLength+1; its
     * inputs are row[0..n-2] and targets row[1..n-1]. Rows may differ in length and batches in
     * size. If the loss or any gradient is NaN/Inf, nothing is updated and the result says why.
     */
    public synchronized TrainStepResult trainStep(int[][] tokens, OptimizerSettings settings) {
        Objects.requireNonNull(settings, "settings");
        Batch batch = Batch.forLoss(tokens, config.contextLength(), config.vocabSize());
        try (NDScope scope = new NDScope();
                NDManager step = manager.newSubManager()) {
            NDArray rowSums;
            try (GradientCollector collector = engine.newGradientCollector()) {
                rowSums = rowLossSums(step, batch, true);
                // a libtorch-owned divisor: DivBackward keeps it, and DJL's div(long) would wrap a
                // Java buffer that a GC may free before backward runs (see NativeArrays)
                NDArray loss = rowSums.sum().div(NativeArrays.scalar(step, batch.tokenCount()));
                collector.backward(loss);
            }
            float[] sums = rowSums.toFloatArray();
            double[] rowLosses = rowMeans(sums, batch);
            double meanLoss = mean(sums, batch);
            if (!Double.isFinite(meanLoss)) {
                optimizer.zeroGradients();
                return skipped(meanLoss, rowLosses, batch, Double.NaN, "loss is " + meanLoss);
            }
            double gradNorm = globalGradNorm();
            if (!Double.isFinite(gradNorm)) {
                optimizer.zeroGradients();
                return skipped(
                        meanLoss,
                        rowLosses,
                        batch,
                        gradNorm,
                        "gradient norm is " + gradNorm + " (NaN or Inf in the gradients)");
            }
            double rescale = settings.maxGradNorm() > 0 && gradNorm > settings.maxGradNorm()
                    ? settings.maxGradNorm() / (gradNorm + 1e-6)
                    : 1.0;
            optimizer.update(settings, rescale);
            return new TrainStepResult(meanLoss, rowLosses, batch.tokenCount(), gradNorm, true, null);
        }
    }

    private static TrainStepResult skipped(double loss, double[] rows, Batch b, double norm, String reason) {
        return new TrainStepResult(loss, rows, b.tokenCount(), norm, false, reason);
    }

    /** Number of optimizer updates applied since creation (restored by {@link #load}). */
    public synchronized long optimizerStep() {
        return optimizer.step();
    }

    /** Per-row mean cross-entropy without gradients; same row rules as {@link #trainStep}. */
    public synchronized double[] sequenceLosses(int[][] tokens) {
        Batch batch = Batch.forLoss(tokens, config.contextLength(), config.vocabSize());
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad();
                NDScope scope = new NDScope();
                NDManager step = manager.newSubManager()) {
            return rowMeans(rowLossSums(step, batch, false).toFloatArray(), batch);
        }
    }

    /** Logits for every position of every row: result[row][position][vocab]. Rows: 1..contextLength. */
    public synchronized float[][][] logits(int[][] tokens) {
        Batch batch = Batch.forInputs(tokens, config.contextLength(), config.vocabSize());
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad();
                NDScope scope = new NDScope();
                NDManager step = manager.newSubManager()) {
            NDArray ids = NativeArrays.create(step, batch.inputs(), new Shape(batch.rows(), batch.width()));
            float[] flat = forward(ids, false).toFloatArray();
            int v = config.vocabSize();
            float[][][] out = new float[batch.rows()][][];
            for (int r = 0; r < batch.rows(); r++) {
                out[r] = new float[batch.targetCounts()[r]][v];
                for (int t = 0; t < out[r].length; t++) {
                    System.arraycopy(flat, (r * batch.width() + t) * v, out[r][t], 0, v);
                }
            }
            return out;
        }
    }

    /**
     * Continues {@code prompt} and returns only the new tokens (the prompt is not included). Stops
     * after {@code maxNewTokens} or when a stop token is sampled; the stop token is not included.
     * The model sees at most the last {@code contextLength} tokens (older ones are cropped).
     */
    public synchronized int[] generate(int[] prompt, SamplingSettings s, Random rng) {
        if (prompt == null || prompt.length == 0) {
            throw new IllegalArgumentException("prompt must contain at least one token");
        }
        Objects.requireNonNull(s, "sampling settings");
        Objects.requireNonNull(rng, "rng");
        int ctx = config.contextLength();
        List<Integer> sequence = new ArrayList<>(prompt.length + s.maxNewTokens());
        for (int id : prompt) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException("prompt token " + id + " outside the vocabulary");
            }
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
                float[] last;
                try (NDScope scope = new NDScope();
                        NDManager step = manager.newSubManager()) {
                    NDArray ids = NativeArrays.create(step, window, new Shape(1, window.length));
                    last = forward(ids, false).get(new NDIndex("0, -1")).toFloatArray();
                }
                int next = Sampler.sample(last, s, rng);
                if (s.stopTokens().contains(next)) {
                    break;
                }
                produced[n++] = next;
                sequence.add(next);
            }
        }
        return java.util.Arrays.copyOf(produced, n);
    }

    // ---------------------------------------------------------------- reinforcement learning (GRPO)

    /**
     * Samples {@code count} completions of one prompt together, as one batch (the rows share the prompt, so they
     * stay the same length and need no padding). Each completion ends after {@code maxNewTokens} or with a stop
     * token, which IS included here: stopping is a choice of the policy whose log-probability the policy gradient
     * needs. Log-probabilities for the ratio come from {@link #completionLogProbs} (temperature 1), so sample at
     * temperature 1 for an on-policy ratio. Requires {@code prompt.length + maxNewTokens <= contextLength + 1}.
     */
    public synchronized int[][] sampleGroup(int[] prompt, int count, SamplingSettings s, Random rng) {
        Objects.requireNonNull(s, "sampling settings");
        Objects.requireNonNull(rng, "rng");
        if (count <= 0) {
            throw new IllegalArgumentException("count must be positive, got " + count);
        }
        if (prompt == null || prompt.length == 0) {
            throw new IllegalArgumentException("prompt must contain at least one token");
        }
        if (prompt.length + s.maxNewTokens() > config.contextLength() + 1) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens + " + s.maxNewTokens()
                    + " new tokens exceed the context of " + config.contextLength() + " + 1");
        }
        for (int id : prompt) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException("prompt token " + id + " outside the vocabulary");
            }
        }
        int v = config.vocabSize();
        List<List<Integer>> produced = new ArrayList<>();
        boolean[] done = new boolean[count];
        for (int r = 0; r < count; r++) {
            produced.add(new ArrayList<>());
        }
        long[] window = new long[0];
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad()) {
            for (int n = 0; n < s.maxNewTokens(); n++) {
                int len = prompt.length + n;
                window = new long[count * len];
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
                float[] last;
                try (NDScope scope = new NDScope();
                        NDManager step = manager.newSubManager()) {
                    NDArray ids = NativeArrays.create(step, window, new Shape(count, len));
                    last = forward(ids, false).get(new NDIndex(":, -1")).toFloatArray();
                }
                boolean all = true;
                for (int r = 0; r < count; r++) {
                    if (done[r]) {
                        continue;
                    }
                    float[] row = java.util.Arrays.copyOfRange(last, r * v, (r + 1) * v);
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

    /**
     * Log-probability (temperature 1) of every completion token given its prompt and the completion tokens before
     * it, without gradients: result[row][j] = log p(completion[row][j] | prompt[row], completion[row][0..j-1]).
     * prompt + completion must be 2..contextLength+1 tokens.
     */
    public synchronized float[][] completionLogProbs(int[][] prompts, int[][] completions) {
        if (prompts.length != completions.length) {
            throw new IllegalArgumentException(prompts.length + " prompts but " + completions.length + " completions");
        }
        int[][] sequences = new PolicyBatch(
                        prompts, completions, emptyLike(completions), null, new double[prompts.length])
                .sequences();
        Batch batch = Batch.forLoss(sequences, config.contextLength(), config.vocabSize());
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad();
                NDScope scope = new NDScope();
                NDManager step = manager.newSubManager()) {
            float[] flat = targetLogProbs(step, batch, false).toFloatArray();
            float[][] out = new float[prompts.length][];
            for (int r = 0; r < out.length; r++) {
                out[r] = new float[completions[r].length];
                System.arraycopy(flat, r * batch.width() + prompts[r].length - 1, out[r], 0, out[r].length);
            }
            return out;
        }
    }

    /**
     * One AdamW step on the clipped policy objective (see {@link PolicyObjective}) over the completion tokens of
     * {@code rollouts}; prompt tokens are context only. The old log-probabilities stay fixed, so several inner steps
     * on the same rollouts move the ratio away from 1 and the clip takes hold. A non-finite loss or gradient skips
     * the update, as in {@link #trainStep}.
     */
    public synchronized PolicyStepResult policyStep(
            PolicyBatch rollouts, PolicyObjective objective, OptimizerSettings settings) {
        Objects.requireNonNull(settings, "settings");
        boolean kl = objective.klBeta() > 0;
        if (kl && rollouts.refLogProbs() == null) {
            throw new IllegalArgumentException(
                    "the KL penalty (beta " + objective.klBeta() + ") needs reference log-probabilities");
        }
        Batch batch = Batch.forLoss(rollouts.sequences(), config.contextLength(), config.vocabSize());
        int rows = batch.rows();
        int width = batch.width();
        float[] mask = new float[rows * width];
        float[] old = new float[rows * width];
        float[] ref = new float[rows * width];
        float[] adv = new float[rows];
        long tokens = 0;
        for (int r = 0; r < rows; r++) {
            // completion token j is target position prompt.length - 1 + j
            int first = rollouts.prompts()[r].length - 1;
            for (int j = 0; j < rollouts.completions()[r].length; j++) {
                mask[r * width + first + j] = 1f;
                old[r * width + first + j] = rollouts.oldLogProbs()[r][j];
                ref[r * width + first + j] = kl ? rollouts.refLogProbs()[r][j] : 0f;
                tokens++;
            }
            adv[r] = (float) rollouts.advantages()[r];
        }
        try (NDScope scope = new NDScope();
                NDManager step = manager.newSubManager()) {
            Shape shape = new Shape(rows, width);
            NDArray oldArr = NativeArrays.create(step, old, shape);
            NDArray refArr = kl ? NativeArrays.create(step, ref, shape) : null;
            NDArray advArr = NativeArrays.create(step, adv, new Shape(rows, 1));
            NDArray maskArr = NativeArrays.create(step, mask, shape);
            PolicyObjective.Terms terms;
            try (GradientCollector collector = engine.newGradientCollector()) {
                NDArray newLogProbs = targetLogProbs(step, batch, true);
                terms = objective.terms(step, newLogProbs, oldArr, refArr, advArr, maskArr);
                collector.backward(terms.loss());
            }
            double loss = terms.loss().getFloat();
            double[] stats;
            try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad()) {
                stats = PolicyObjective.statistics(terms);
            }
            if (!Double.isFinite(loss)) {
                optimizer.zeroGradients();
                return new PolicyStepResult(
                        loss, stats[0], stats[1], stats[2], tokens, Double.NaN, false, "loss is " + loss);
            }
            double gradNorm = globalGradNorm();
            if (!Double.isFinite(gradNorm)) {
                optimizer.zeroGradients();
                return new PolicyStepResult(
                        loss,
                        stats[0],
                        stats[1],
                        stats[2],
                        tokens,
                        gradNorm,
                        false,
                        "gradient norm is " + gradNorm + " (NaN or Inf in the gradients)");
            }
            double rescale = settings.maxGradNorm() > 0 && gradNorm > settings.maxGradNorm()
                    ? settings.maxGradNorm() / (gradNorm + 1e-6)
                    : 1.0;
            optimizer.update(settings, rescale);
            return new PolicyStepResult(loss, stats[0], stats[1], stats[2], tokens, gradNorm, true, null);
        }
    }

    /**
     * A new model with this model's weights, on the same device, with a fresh optimizer (no moments, step 0). It
     * shares the tokenizer, which this model keeps owning: close the copy first. GRPO uses it for the policy that
     * starts a stage and for the frozen reference, which the caller never trains.
     */
    public synchronized LanguageModel copy() {
        LanguageModel copy = new LanguageModel(config, 0L, tokenizer, false, manager.getDevice());
        try {
            Gpt2Weights.load(copy.parameters, Gpt2Weights.export(parameters));
            return copy;
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    private static float[][] emptyLike(int[][] rows) {
        float[][] out = new float[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            out[r] = new float[rows[r].length];
        }
        return out;
    }

    // ---------------------------------------------------------------- persistence

    /**
     * Writes weights, config, tokenizer, optimizer state and a manifest into {@code dir}, which
     * must not exist yet. Everything goes to a sibling temp directory first and is renamed into
     * place, so readers never see a half-written checkpoint.
     */
    public synchronized CheckpointInfo save(Path dir, Map<String, String> metadata) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        if (Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString(), null, "checkpoint directory already exists");
        }
        Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
        try {
            List<String> files = new ArrayList<>(writeModelFiles(tmp));
            SafeTensors.write(
                    tmp.resolve(OPTIMIZER_FILE),
                    optimizerTensors(),
                    Map.of("optimizer", "adamw", "step", Long.toString(optimizer.step())));
            files.add(OPTIMIZER_FILE);
            files.addAll(TokenizerStore.write(tokenizer, tmp));
            Map<String, String> meta = metadata == null ? Map.of() : metadata;
            Files.write(tmp.resolve(Manifest.FILE), Manifest.build(tmp, files, meta));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(tmp);
            throw e;
        }
        Manifest.Verified v = Manifest.verify(target);
        return new CheckpointInfo(target, v.sha256(), v.files(), v.metadata());
    }

    /**
     * Writes a Hugging Face GPT-2 directory: {@code model.safetensors} (GPT-2 tensor names and
     * layouts), {@code config.json}, and {@code tokenizer.json} when the tokenizer is a Hugging
     * Face one.
     */
    public synchronized void exportHuggingFace(Path dir) throws IOException {
        Files.createDirectories(dir);
        writeModelFiles(dir);
        if (tokenizer instanceof HuggingFaceTokenizerAdapter hf) {
            Files.write(dir.resolve(TokenizerStore.HF_FILE), hf.json());
        }
    }

    private List<String> writeModelFiles(Path dir) throws IOException {
        SafeTensors.write(dir.resolve(WEIGHTS_FILE), Gpt2Weights.export(parameters), Map.of("format", "pt"));
        Gpt2ConfigJson.write(dir.resolve(CONFIG_FILE), config);
        return List.of(WEIGHTS_FILE, CONFIG_FILE);
    }

    /** AdamW moments in GPT-2 names and layouts, e.g. {@code h.0.attn.c_attn.weight.exp_avg}. */
    private Map<String, Tensor> optimizerTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : optimizer.stateTensors().entrySet()) {
            String param = e.getKey().substring(0, e.getKey().lastIndexOf('.'));
            out.put(e.getKey(), Gpt2Weights.toGpt2(param, e.getValue()));
        }
        return out;
    }

    private void restoreOptimizer(SafeTensors.Contents contents) {
        String stepText = contents.metadata().get("step");
        if (stepText == null) {
            throw new IllegalArgumentException("optimizer state has no step");
        }
        Map<String, float[]> moments = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : contents.tensors().entrySet()) {
            String param = e.getKey().substring(0, e.getKey().lastIndexOf('.'));
            Parameter p = parameters.get(param);
            if (p == null) {
                throw new IllegalArgumentException("optimizer state for unknown parameter " + param);
            }
            moments.put(
                    e.getKey(),
                    Gpt2Weights.fromGpt2(param, e.getValue(), p.getArray().getShape()));
        }
        optimizer.restore(Long.parseLong(stepText), moments);
    }

    // ---------------------------------------------------------------- accessors

    /** The metadata of the checkpoint this model was loaded from (empty for a model created or imported). */
    public Map<String, String> checkpointMetadata() {
        return checkpointMetadata;
    }

    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters.values()) {
            n += p.getArray().size();
        }
        return n;
    }

    public GptConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** A copy of every weight in GPT-2 names and layouts (for tests, diffs and exports). */
    public synchronized Map<String, Tensor> weights() {
        return Gpt2Weights.export(parameters);
    }

    @Override
    public synchronized void close() {
        optimizer.close();
        manager.close();
        if (ownsTokenizer && tokenizer instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing tokenizer failed", e);
            }
        }
    }

    // ---------------------------------------------------------------- internals

    private NDArray forward(NDArray ids, boolean training) {
        long t = ids.getShape().get(1);
        NDArray mask = causalMask.get(new NDIndex(":{}, :{}", t, t));
        // a fresh store each call: it only caches references, and weights may have been replaced
        ParameterStore store = new ParameterStore(manager, false);
        return block.forward(store, new NDList(ids, mask), training).head();
    }

    /** Sum of the masked token cross-entropies of each row, shape [B]. */
    private NDArray rowLossSums(NDManager step, Batch batch, boolean training) {
        NDArray mask = NativeArrays.create(step, batch.mask(), new Shape(batch.rows(), batch.width()));
        // padding positions contribute exactly zero
        return targetLogProbs(step, batch, training).mul(mask).neg().sum(new int[] {1});
    }

    /** Log-probability of each target token, shape [B, T] (padding positions hold arbitrary values). */
    private NDArray targetLogProbs(NDManager step, Batch batch, boolean training) {
        Shape shape = new Shape(batch.rows(), batch.width());
        // libtorch-owned copies: autograd saves the embedding and gather indices (and callers' mask
        // factors) for the backward pass, so they must not depend on a Java buffer's lifetime
        NDArray ids = NativeArrays.create(step, batch.inputs(), shape);
        NDArray targets = NativeArrays.create(step, batch.targets(), shape);
        NDArray logits = forward(ids, training);
        // log-probabilities over the vocabulary [B, T, V]
        NDArray logProbs = logits.logSoftmax(2);
        // log-probability of each target [B, T]
        return logProbs.gather(targets.expandDims(2), 2).squeeze(2);
    }

    /** Global L2 norm over all gradients, one device-to-host sync. */
    private double globalGradNorm() {
        NDList squares = new NDList(parameters.size());
        for (Parameter p : parameters.values()) {
            NDArray g = p.getArray().getGradient();
            squares.add(g.square().sum());
        }
        return NDArrays.stack(squares).sum().sqrt().getFloat();
    }

    private static double[] rowMeans(float[] sums, Batch b) {
        double[] out = new double[sums.length];
        for (int i = 0; i < sums.length; i++) {
            out[i] = sums[i] / b.targetCounts()[i];
        }
        return out;
    }

    private static double mean(float[] sums, Batch b) {
        double total = 0;
        for (float s : sums) {
            total += s;
        }
        return total / b.tokenCount();
    }

    @FunctionalInterface
    private interface IoStep<T> {
        T run() throws IOException;
    }

    private static <T> T readStep(Path dir, String file, IoStep<T> step) throws CheckpointException {
        try {
            return step.run();
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException("checkpoint " + dir + ": cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Arrays currently alive under this model's manager (weights, moments, mask; no temporaries). */
    synchronized int liveArrayCount() {
        return manager.getManagedArrays().size();
    }

    private static void closeQuietly(Tokenizer tokenizer) {
        if (tokenizer instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // already failing; the original error matters more
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: a stale temp dir is harmless, it never looks like a checkpoint
        }
    }
}

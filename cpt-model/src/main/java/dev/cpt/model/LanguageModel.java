package dev.cpt.model;

import ai.djl.Device;
import ai.djl.nn.Parameter;
import dev.cpt.common.io.Dtype;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.common.io.SafeTensorsWriter;
import dev.cpt.model.arch.CausalDecoder;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.model.io.ParameterTensors;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.model.tokenizer.Tokenizer;
import dev.cpt.model.train.AdamW;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * A causal language model with its AdamW state, on DJL's PyTorch engine: a GPT-2 ({@link GptConfig}) or a
 * Llama-family ({@link LlamaConfig}: Llama, Qwen2, Mistral) network. The network is a
 * {@link CausalDecoder}; {@link Trainer} takes the optimizer steps, {@link Scorer} scores without gradients,
 * {@link Generator} samples and {@link ModelFiles} reads and writes checkpoints and Hugging Face directories.
 *
 * <p>Not thread-safe: methods are synchronized per instance, and libtorch's autograd recorder is
 * process-wide in DJL, so only one model in the JVM can be inside {@link #trainStep} at a time
 * (a second concurrent caller fails fast with {@link IllegalStateException}).
 */
public final class LanguageModel implements AutoCloseable {

    public static final String WEIGHTS_FILE = ModelFiles.WEIGHTS_FILE;
    public static final String CONFIG_FILE = ModelFiles.CONFIG_FILE;
    public static final String OPTIMIZER_FILE = ModelFiles.OPTIMIZER_FILE;

    static {
        OfflineEngine.ensureOffline();
    }

    private final DecoderConfig config;
    private final Tokenizer tokenizer;
    private final boolean ownsTokenizer;
    private final CausalDecoder decoder;
    private final Scorer scorer;
    private final Trainer trainer;
    private final Generator generator;
    // The verified manifest's metadata when the model was loaded from a checkpoint, so callers need not hash it again.
    private Map<String, String> checkpointMetadata = Map.of();
    // What exportHuggingFace(dir) writes by default: the dtype of the files this model was imported from.
    private Dtype exportDtype = Dtype.F32;

    LanguageModel(DecoderConfig config, long seed, Tokenizer tokenizer, boolean ownsTokenizer, Device device) {
        this(config, tokenizer, ownsTokenizer, () -> CausalDecoder.create(config, seed, device));
    }

    /** A model whose decoder {@code build} makes, once the tokenizer is known to fit the vocabulary. */
    LanguageModel(DecoderConfig config, Tokenizer tokenizer, boolean ownsTokenizer, Supplier<CausalDecoder> build) {
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new IllegalArgumentException("tokenizer " + tokenizer.name() + " has " + tokenizer.vocabSize()
                    + " ids but the model vocabulary is " + config.vocabSize());
        }
        this.config = config;
        this.tokenizer = tokenizer;
        this.ownsTokenizer = ownsTokenizer;
        this.decoder = build.get();
        this.scorer = new Scorer(decoder);
        this.trainer = new Trainer(decoder, scorer);
        this.generator = new Generator(decoder);
    }

    // ---------------------------------------------------------------- construction

    /** A freshly initialised model on CPU with the byte tokenizer. */
    public static LanguageModel create(DecoderConfig config, long seed) {
        return create(config, seed, ByteTokenizer.INSTANCE, Device.cpu());
    }

    public static LanguageModel create(DecoderConfig config, long seed, Device device) {
        return create(config, seed, ByteTokenizer.INSTANCE, device);
    }

    /** The caller keeps ownership of {@code tokenizer} (the model does not close it). */
    public static LanguageModel create(DecoderConfig config, long seed, Tokenizer tokenizer, Device device) {
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
        return ModelFiles.load(checkpointDir, expectedManifestSha256, device);
    }

    /**
     * Imports a Hugging Face directory ({@code config.json} + {@code model.safetensors} or the shards {@code
     * model.safetensors.index.json} lists; F32, F16 or BF16, held as float32) of a supported family,
     * chosen by {@code config.json}'s {@code model_type}: {@code gpt2} (optional {@code transformer.} prefix),
     * {@code llama}, {@code qwen2} or {@code mistral} (see {@link dev.cpt.model.io.LlamaConfigJson} for the options
     * refused). Uses its {@code tokenizer.json}, or the byte tokenizer where {@code tokenizer_info.json} names it; a
     * directory with neither is refused.
     */
    public static LanguageModel importHuggingFace(Path dir) throws IOException {
        return importHuggingFace(dir, Device.cpu());
    }

    /** As {@link #importHuggingFace(Path)}, the weights on {@code device}. */
    public static LanguageModel importHuggingFace(Path dir, Device device) throws IOException {
        return ModelFiles.importHuggingFace(dir, device);
    }

    /** As {@link #importHuggingFace(Path)} with an explicit tokenizer the caller keeps owning. */
    public static LanguageModel importHuggingFace(Path dir, Tokenizer tokenizer) throws IOException {
        return ModelFiles.importHuggingFace(dir, tokenizer, false, Device.cpu());
    }

    // ---------------------------------------------------------------- training and scoring

    /**
     * One AdamW step on a batch. Each row is a token sequence of length 2..contextLength+1; its
     * inputs are row[0..n-2] and targets row[1..n-1]. Rows may differ in length and batches in
     * size. If the loss or any gradient is NaN/Inf, nothing is updated and the result says why.
     */
    public synchronized TrainStepResult trainStep(int[][] tokens, OptimizerSettings settings) {
        return trainer.trainStep(tokens, settings);
    }

    /**
     * One AdamW step on several micro-batches with gradient accumulation: the same update as one {@link #trainStep}
     * on all their rows together (within float rounding), with the memory of the largest micro-batch. The result's
     * row losses follow the micro-batches in order.
     */
    public synchronized TrainStepResult trainStep(List<int[][]> microBatches, OptimizerSettings settings) {
        if (microBatches.isEmpty()) {
            throw new IllegalArgumentException("an optimizer step needs at least one micro-batch");
        }
        trainer.requireNothingPending("a step of its own micro-batches");
        for (int[][] tokens : microBatches) {
            trainer.accumulate(tokens);
        }
        return trainer.applyAccumulated(settings);
    }

    /**
     * Forward and backward on one micro-batch (rows as for {@link #trainStep}), without an optimizer step: its
     * gradients add to those accumulated since the last step, weighted by its target tokens, until {@link
     * #applyGradients} takes the step. Micro-batches may differ in rows and lengths.
     */
    public synchronized MicroBatchResult accumulateGradients(int[][] tokens) {
        return trainer.accumulate(tokens);
    }

    /**
     * One AdamW step on the gradients accumulated by {@link #accumulateGradients} since the last step, as if all their
     * rows had been one batch: the loss is the mean over all their target tokens, and clipping and the non-finite
     * guard apply to the step once. Throws {@link IllegalStateException} when nothing is accumulated.
     */
    public synchronized TrainStepResult applyGradients(OptimizerSettings settings) {
        return trainer.applyAccumulated(settings);
    }

    /** Micro-batches accumulated and not yet applied (0 after every optimizer step). */
    public synchronized int pendingMicroBatches() {
        return trainer.pendingMicroBatches();
    }

    /** Number of optimizer updates applied since creation (restored by {@link #load}). */
    public synchronized long optimizerStep() {
        return trainer.optimizerStep();
    }

    /** Per-row mean cross-entropy without gradients; same row rules as {@link #trainStep}. */
    public synchronized double[] sequenceLosses(int[][] tokens) {
        return scorer.sequenceLosses(tokens);
    }

    /** Logits for every position of every row: result[row][position][vocab]. Rows: 1..contextLength. */
    public synchronized float[][][] logits(int[][] tokens) {
        return scorer.logits(tokens);
    }

    /**
     * Continues {@code prompt} and returns only the new tokens (the prompt is not included). Stops
     * after {@code maxNewTokens} or when a stop token is sampled; the stop token is not included.
     * The model sees at most the last {@code contextLength} tokens (older ones are cropped).
     */
    public synchronized int[] generate(int[] prompt, SamplingSettings s, Random rng) {
        return generator.generate(prompt, s, rng);
    }

    // ---------------------------------------------------------------- reinforcement learning (GRPO)

    /**
     * Samples {@code count} completions of one prompt together, as one batch (the rows share the prompt, so they
     * stay the same length and need no padding). Each completion ends after {@code maxNewTokens} or with a stop
     * token, which IS included here: stopping is a choice of the policy whose log-probability the policy gradient
     * needs. Log-probabilities for the ratio come from {@link #completionLogProbs(int[][], int[][], double)} at the
     * same temperature, with no top-k or top-p truncation (see {@link PolicyBatch}). Requires {@code prompt.length +
     * maxNewTokens <= contextLength + 1}.
     */
    public synchronized int[][] sampleGroup(int[] prompt, int count, SamplingSettings s, Random rng) {
        return generator.sampleGroup(prompt, count, s, rng);
    }

    /**
     * One completion per row of {@code prompts}, all rows in one batch with the key/value cache (prompts may differ in
     * length; a GRPO step passes each prompt G times), each with the log-probability of every token under the
     * temperature-scaled softmax it was sampled from: with no top-k or top-p truncation that is exactly log pi_old of
     * {@link PolicyBatch}, so no second forward pass is needed. Row r ends after {@code min(maxNewTokens, contextLength
     * + 1 - prompts[r].length)} tokens or with a stop token, which it keeps.
     */
    public synchronized Generator.Rollout[] sampleRollouts(int[][] prompts, SamplingSettings s, Random rng) {
        return generator.sample(prompts, s, rng);
    }

    /**
     * Log-probability (temperature 1) of every completion token given its prompt and the completion tokens before
     * it, without gradients: result[row][j] = log p(completion[row][j] | prompt[row], completion[row][0..j-1]).
     * prompt + completion must be 2..contextLength+1 tokens.
     */
    public synchronized float[][] completionLogProbs(int[][] prompts, int[][] completions) {
        return scorer.completionLogProbs(prompts, completions, 1.0);
    }

    /**
     * As {@link #completionLogProbs(int[][], int[][])} under the softmax of the logits divided by {@code temperature}
     * (> 0): the log-probabilities of completions sampled at that temperature without top-k or top-p truncation.
     */
    public synchronized float[][] completionLogProbs(int[][] prompts, int[][] completions, double temperature) {
        return scorer.completionLogProbs(prompts, completions, temperature);
    }

    /**
     * One AdamW step on the clipped policy objective (see {@link PolicyObjective}) over the completion tokens of
     * {@code rollouts}; prompt tokens are context only. The old log-probabilities stay fixed, so several inner steps
     * on the same rollouts move the ratio away from 1 and the clip takes hold. A non-finite loss or gradient skips
     * the update, as in {@link #trainStep}.
     */
    public synchronized PolicyStepResult policyStep(
            PolicyBatch rollouts, PolicyObjective objective, OptimizerSettings settings) {
        return trainer.policyStep(rollouts, objective, settings);
    }

    /**
     * A new model with this model's weights, on the same device, with a fresh optimizer (no moments, step 0). It
     * shares the tokenizer, which this model keeps owning: close the copy first. GRPO uses it for the policy that
     * starts a stage and for the frozen reference, which the caller never trains.
     */
    public synchronized LanguageModel copy() {
        return copy(device());
    }

    /**
     * As {@link #copy()}, the copy's weights on {@code device}: a data-parallel replica on another GPU ({@link
     * DataParallel}).
     */
    public synchronized LanguageModel copy(Device device) {
        LanguageModel copy = new LanguageModel(config, tokenizer, false, () -> CausalDecoder.allocate(config, device));
        try {
            copy.copyWeightsFrom(this);
            copy.exportDtype = exportDtype;
            copy.decoder.precision(decoder.precision());
            return copy;
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    /**
     * Overwrites this model's weights with {@code source}'s, which must have the same configuration, and leaves this
     * model's optimizer as it is: a copy kept in step with a policy being trained, to sample from while it trains.
     */
    public void copyWeightsFrom(LanguageModel source) {
        if (!config.equals(source.config)) {
            throw new IllegalArgumentException("cannot take the weights of a model of another configuration");
        }
        synchronized (this) {
            synchronized (source) {
                ParameterTensors.copy(source.decoder.parameters(), decoder.parameters());
            }
        }
    }

    // ---------------------------------------------------------------- persistence

    /**
     * Writes weights, config, tokenizer, optimizer state and a manifest into {@code dir}, which
     * must not exist yet. Everything goes to a sibling temp directory first and is renamed into
     * place, so readers never see a half-written checkpoint.
     */
    public synchronized CheckpointInfo save(Path dir, Map<String, String> metadata) throws IOException {
        return ModelFiles.save(dir, decoder, trainer.optimizer(), tokenizer, metadata);
    }

    /**
     * Writes a Hugging Face directory of this model's family: {@code model.safetensors} (the family's tensor names
     * and layouts; shards plus an index above 5 GB), {@code config.json}, and {@code tokenizer.json} when the
     * tokenizer is a Hugging Face one, in the dtype the model was imported from ({@link #exportDtype()}).
     */
    public synchronized void exportHuggingFace(Path dir) throws IOException {
        exportHuggingFace(dir, exportDtype, SafeTensorsWriter.DEFAULT_MAX_SHARD_BYTES);
    }

    /**
     * As {@link #exportHuggingFace(Path)}, with the weights converted to {@code dtype} (rounded to nearest even by
     * libtorch) and split into {@code model-0000i-of-0000n.safetensors} shards plus {@code
     * model.safetensors.index.json} when they exceed {@code maxShardBytes}. The one-argument form writes the dtype
     * the model was imported from (F32 for a model created here) in shards of at most 5 GB, as {@code transformers}
     * does.
     */
    public synchronized void exportHuggingFace(Path dir, Dtype dtype, long maxShardBytes) throws IOException {
        ModelFiles.exportHuggingFace(dir, decoder, tokenizer, dtype, maxShardBytes);
    }

    // ---------------------------------------------------------------- accessors

    /** The metadata of the checkpoint this model was loaded from (empty for a model created or imported). */
    public Map<String, String> checkpointMetadata() {
        return checkpointMetadata;
    }

    void checkpointMetadata(Map<String, String> metadata) {
        this.checkpointMetadata = metadata;
    }

    /** The dtype {@link #exportHuggingFace(Path)} writes: the imported files' one, else F32. */
    public Dtype exportDtype() {
        return exportDtype;
    }

    void exportDtype(Dtype dtype) {
        this.exportDtype = dtype;
    }

    /**
     * Sets the precision of this model's forward passes (training, scoring and generation) from now on: {@link
     * Precision#FP16} multiplies matrices in float16 while the weights, their gradients and AdamW's moments stay
     * float32. Not saved with a checkpoint: it is how this process computes, not part of the model.
     */
    public synchronized void precision(Precision precision) {
        decoder.precision(precision);
    }

    /** The precision of this model's forward passes; {@link Precision#FLOAT32} unless set. */
    public synchronized Precision precision() {
        return decoder.precision();
    }

    /** The device this model's weights, gradients and optimizer moments live on. */
    public Device device() {
        return decoder.manager().getDevice();
    }

    public long parameterCount() {
        long n = 0;
        for (Parameter p : decoder.parameters().values()) {
            n += p.getArray().size();
        }
        return n;
    }

    /**
     * The GPT-2 shape of a GPT-2 model. A model of another family has none and throws {@link
     * IllegalStateException}: callers that only need the vocabulary size or the context length use {@link
     * #decoderConfig()}, which every model answers.
     */
    public GptConfig config() {
        if (config instanceof GptConfig gpt) {
            return gpt;
        }
        throw new IllegalStateException("this model is a " + config.modelType()
                + " decoder, not GPT-2: use decoderConfig() (vocabulary size, context length, the family's record)");
    }

    /** The shape of this model's network, whatever its family ({@link GptConfig} or {@link LlamaConfig}). */
    public DecoderConfig decoderConfig() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** A copy of every weight in the family's Hugging Face names and layouts (for tests, diffs and exports). */
    public synchronized Map<String, Tensor> weights() {
        return decoder.weights();
    }

    /** The network, for {@link ModelFiles} to load weights into. */
    CausalDecoder decoder() {
        return decoder;
    }

    /** The optimizer steps, for {@link DataParallel} to join its replicas' gradients in. */
    Trainer trainer() {
        return trainer;
    }

    /** The optimizer, for {@link ModelFiles} to restore a checkpoint's moments into. */
    AdamW optimizer() {
        return trainer.optimizer();
    }

    /** Arrays currently alive under this model's manager (weights, moments, mask; no temporaries). */
    synchronized int liveArrayCount() {
        return decoder.manager().getManagedArrays().size();
    }

    @Override
    public synchronized void close() {
        trainer.close();
        decoder.close();
        if (ownsTokenizer && tokenizer instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing tokenizer failed", e);
            }
        }
    }
}

package dev.cpt.launcher;

import ai.djl.Device;
import dev.cpt.common.FileTrees;
import dev.cpt.common.Sha256;
import dev.cpt.model.CheckpointException;
import dev.cpt.model.DecoderConfig;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.ModelPreset;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.TrainStepResult;
import dev.cpt.model.io.Manifest;
import dev.cpt.model.tokenizer.BpeTrainer;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.model.tokenizer.HuggingFaceTokenizerAdapter;
import dev.cpt.model.tokenizer.Tokenizer;
import dev.cpt.model.train.WarmupCosine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Stage 0 of the demo: the base model the trainer continues from, pre-trained by the project itself on its general
 * corpus, in the launcher's JVM before the stack starts (so it has both cores to itself). A GPT-2 preset reads bytes; a
 * Llama preset reads a byte-level BPE of the preset's vocabulary that stage 0 first trains on the same texts
 * ({@link BpeTrainer}), so its base directory carries a {@code tokenizer.json} that ingest and the mixer then use.
 *
 * <p>The result is cached in {@code <cache>/base-<key>}, where the key is the sha256 of the recipe, the training
 * texts and {@link #RECIPE_VERSION}: the same inputs find the same directory and training is skipped; any change
 * to them trains a new base. The directory is an ordinary checkpoint ({@link LanguageModel#save}, written to a temp
 * directory and renamed, so a crash never leaves half a cache), and it is trusted only when its manifest verifies
 * (every file's size and sha256) and names the expected key; anything else is deleted and trained again.
 */
public final class StageZero {
    /** Bump when the training code below changes in a way the recipe does not show, to invalidate old caches. */
    static final int RECIPE_VERSION = 1;

    static final String KEY = "stage0.key";

    private StageZero() {}

    /**
     * How the base is trained: a GPT of {@code model}'s preset shape, {@code steps} AdamW steps on batches of
     * {@code batchSize} windows of the model's context, linear warmup then cosine decay to a tenth of the peak rate.
     */
    public record Recipe(
            ModelPreset model, int steps, int batchSize, double peakLearningRate, int warmupSteps, long seed) {
        /** The decay ends at a tenth of the peak rate. */
        private static final double FLOOR_FRACTION = 0.1;

        public Recipe {
            if (model == null || steps <= 0 || batchSize <= 0 || warmupSteps < 0 || !(peakLearningRate > 0)) {
                throw new IllegalArgumentException(
                        "stage 0 needs a model preset, positive steps, batch size and learning rate: " + this);
            }
        }

        /** The demo's base: the trainer's default size (about 1M parameters), about 300k tokens. */
        public static Recipe demo() {
            return new Recipe(ModelPreset.small1M, 300, 8, 2e-3, 30, 7);
        }

        /**
         * The demo's base for any preset: GPT-2 ones as {@link #demo()}; Llama ones 200 steps of 2,048 tokens (whole
         * windows of the preset's context), about six passes over the BPE-cut pre-training text: at 60 steps the
         * demo's Llama was still at the unigram plateau (training loss 6.5 nats).
         */
        public static Recipe forModel(ModelPreset model) {
            if (model.decoderConfig() instanceof GptConfig) {
                return new Recipe(model, 300, 8, 2e-3, 30, 7);
            }
            return new Recipe(
                    model, 200, Math.max(1, 2048 / model.decoderConfig().contextLength()), 2e-3, 20, 7);
        }

        DecoderConfig config() {
            return model.decoderConfig();
        }

        /** Bytes for GPT-2 presets; for Llama ones a byte-level BPE as large as the preset's vocabulary. */
        String tokenizerName() {
            return config() instanceof GptConfig ? ByteTokenizer.NAME : "byte-level-bpe-" + config().vocabSize();
        }

        double learningRate(int step) {
            return new WarmupCosine(peakLearningRate, FLOOR_FRACTION, warmupSteps, Math.max(1, steps - warmupSteps))
                    .learningRate(step);
        }
    }

    /** Reports each training step: 1-based step, total steps, the step's loss. */
    public interface Listener {
        void step(int step, int steps, double loss);

        Listener NONE = (step, steps, loss) -> {};
    }

    /**
     * Where the base is and how it came about.
     *
     * @param reused true when a valid cache was found and nothing was trained
     * @param rebuiltReason why an existing cache directory was thrown away (null when there was none)
     * @param firstLoss training loss of the first step (NaN when reused)
     * @param finalLoss mean training loss of the last tenth of the steps (from the manifest when reused)
     */
    public record Outcome(
            Path directory,
            String key,
            boolean reused,
            String rebuiltReason,
            Recipe recipe,
            long trainingTokens,
            double firstLoss,
            double finalLoss,
            double seconds) {}

    /** As {@link #ensure(Path, List, Recipe, Device, Listener)} on the CPU. */
    public static Outcome ensure(Path cacheRoot, List<String> texts, Recipe recipe, Listener listener) {
        return ensure(cacheRoot, texts, recipe, Device.cpu(), listener);
    }

    /**
     * The cached base for these texts and recipe, trained on {@code device} first when no valid cache exists. The
     * device is not part of the key: a base trained on a GPU serves a CPU run and the other way round.
     */
    public static Outcome ensure(Path cacheRoot, List<String> texts, Recipe recipe, Device device, Listener listener) {
        long started = System.nanoTime();
        String key = key(texts, recipe);
        Path dir = cacheRoot.resolve("base-" + key.substring(0, 16)).toAbsolutePath();
        ignoredByGit(cacheRoot);
        String rebuiltReason = null;
        if (Files.exists(dir)) {
            try {
                Manifest.Verified verified = Manifest.verify(dir);
                if (key.equals(verified.metadata().get(KEY))) {
                    return new Outcome(
                            dir,
                            key,
                            true,
                            null,
                            recipe,
                            Long.parseLong(verified.metadata().getOrDefault("stage0.tokens", "0")),
                            Double.NaN,
                            Double.parseDouble(verified.metadata().getOrDefault("stage0.final-loss", "NaN")),
                            (System.nanoTime() - started) / 1e9);
                }
                rebuiltReason = "its manifest names key " + verified.metadata().get(KEY) + ", expected " + key;
            } catch (CheckpointException e) {
                rebuiltReason = e.getMessage();
            }
            FileTrees.delete(dir);
        }
        removeAbandonedTempDirectories(cacheRoot, dir);
        Tokenizer tokenizer = tokenizer(recipe, texts);
        try {
            return train(dir, key, texts, recipe, device, tokenizer, listener, rebuiltReason, started);
        } finally {
            if (tokenizer instanceof HuggingFaceTokenizerAdapter bpe) {
                bpe.close();
            }
        }
    }

    private static Outcome train(
            Path dir,
            String key,
            List<String> texts,
            Recipe recipe,
            Device device,
            Tokenizer tokenizer,
            Listener listener,
            String rebuiltReason,
            long started) {
        DecoderConfig config = recipe.config();
        List<int[]> windows = windows(tokenStream(texts, tokenizer), config.contextLength() + 1);
        if (windows.size() < recipe.batchSize()) {
            throw new IllegalArgumentException("stage 0 needs at least " + recipe.batchSize() + " windows of "
                    + (config.contextLength() + 1) + " tokens; the general corpus gives " + windows.size());
        }
        Random order = new Random(recipe.seed());
        List<int[]> epoch = new ArrayList<>();
        double firstLoss = Double.NaN;
        double tailLoss = 0;
        int tailSteps = 0;
        long tokens = 0;
        OptimizerSettings optimizer = OptimizerSettings.defaults();
        try (LanguageModel model = LanguageModel.create(config, recipe.seed(), tokenizer, device)) {
            for (int step = 0; step < recipe.steps(); step++) {
                int[][] batch = new int[recipe.batchSize()][];
                for (int row = 0; row < batch.length; row++) {
                    if (epoch.isEmpty()) { // a fresh shuffled pass over every window
                        epoch.addAll(windows);
                        Collections.shuffle(epoch, order);
                    }
                    batch[row] = epoch.remove(epoch.size() - 1);
                }
                TrainStepResult result = model.trainStep(batch, optimizer.withLearningRate(recipe.learningRate(step)));
                if (!result.applied()) {
                    // a non-finite step at this scale means a bug, not bad luck: stop rather than cache a broken base
                    throw new IllegalStateException(
                            "stage 0 step " + step + " was not applied: " + result.skippedReason());
                }
                tokens += result.tokenCount();
                firstLoss = step == 0 ? result.loss() : firstLoss;
                if (step >= recipe.steps() - Math.max(1, recipe.steps() / 10)) {
                    tailLoss += result.loss();
                    tailSteps++;
                }
                listener.step(step + 1, recipe.steps(), result.loss());
            }
            double finalLoss = tailLoss / tailSteps;
            Files.createDirectories(dir.getParent());
            model.save(
                    dir,
                    Map.of(
                            KEY,
                            key,
                            "stage0.recipe",
                            recipe.toString(),
                            "stage0.tokens",
                            Long.toString(tokens),
                            "stage0.final-loss",
                            Double.toString(finalLoss)));
            return new Outcome(
                    dir,
                    key,
                    false,
                    rebuiltReason,
                    recipe,
                    tokens,
                    firstLoss,
                    finalLoss,
                    (System.nanoTime() - started) / 1e9);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the stage-0 base to " + dir, e);
        }
    }

    /**
     * The recipe's tokenizer: bytes, or a byte-level BPE trained on {@code texts} (deterministic, so the same texts give
     * the same tokenizer and the cache key need not hash it).
     */
    static Tokenizer tokenizer(Recipe recipe, List<String> texts) {
        if (recipe.config() instanceof GptConfig) {
            return ByteTokenizer.INSTANCE;
        }
        return BpeTrainer.train(
                        texts, BpeTrainer.Style.BYTE_LEVEL, recipe.config().vocabSize())
                .load();
    }

    /**
     * The texts as one token stream: each text's tokens, then the tokenizer's EOS (as the mixer separates documents),
     * or a blank line when it has none.
     */
    static int[] tokenStream(List<String> texts, Tokenizer tokenizer) {
        int[] separator =
                tokenizer.eos().isPresent() ? new int[] {tokenizer.eos().getAsInt()} : tokenizer.encode("\n\n");
        IntStream.Builder stream = IntStream.builder();
        for (int i = 0; i < texts.size(); i++) {
            if (i > 0) {
                IntStream.of(separator).forEach(stream::add);
            }
            IntStream.of(tokenizer.encode(texts.get(i))).forEach(stream::add);
        }
        return stream.build().toArray();
    }

    /** The stream cut into full windows of {@code length} tokens. */
    static List<int[]> windows(int[] stream, int length) {
        List<int[]> windows = new ArrayList<>();
        // windows overlap by one token, so every token is a target exactly once
        for (int start = 0; start + length <= stream.length; start += length - 1) {
            windows.add(Arrays.copyOfRange(stream, start, start + length));
        }
        return windows;
    }

    /** sha256 over the recipe version, the recipe and every text (length-prefixed, so boundaries count). */
    static String key(List<String> texts, Recipe recipe) {
        MessageDigest sha = Sha256.newDigest();
        sha.update(("stage0/" + RECIPE_VERSION + "/" + recipe.tokenizerName() + "/" + recipe)
                .getBytes(StandardCharsets.UTF_8));
        for (String text : texts) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            sha.update((bytes.length + ":").getBytes(StandardCharsets.UTF_8));
            sha.update(bytes);
        }
        return Sha256.hex(sha);
    }

    /** A cache is never source: like pytest's cache, it tells git itself to ignore everything in it. */
    private static void ignoredByGit(Path cacheRoot) {
        try {
            Files.createDirectories(cacheRoot);
            Path ignore = cacheRoot.resolve(".gitignore");
            if (!Files.exists(ignore)) {
                Files.writeString(
                        ignore, "# written by the cpt launcher: the stage-0 cache is rebuilt, never committed\n*\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the cache directory " + cacheRoot, e);
        }
    }

    /** A save killed before its rename leaves {@code .base-<key>.tmp-*}; nothing else would ever remove it. */
    private static void removeAbandonedTempDirectories(Path cacheRoot, Path dir) {
        if (!Files.isDirectory(cacheRoot)) {
            return;
        }
        String prefix = "." + dir.getFileName() + ".tmp-";
        try (Stream<Path> entries = Files.list(cacheRoot)) {
            for (Path p : entries.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .toList()) {
                FileTrees.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

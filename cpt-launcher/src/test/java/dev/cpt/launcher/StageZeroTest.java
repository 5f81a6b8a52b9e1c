package dev.cpt.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.model.LanguageModel;
import dev.cpt.model.LlamaConfig;
import dev.cpt.model.ModelPreset;
import dev.cpt.model.io.Manifest;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.model.tokenizer.HuggingFaceTokenizerAdapter;
import dev.cpt.model.tokenizer.Tokenizer;
import dev.cpt.model.tokenizer.TokenizerStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stage 0 trains once per corpus and recipe, reuses a valid cache, and rebuilds a corrupt one. */
class StageZeroTest {
    private static final StageZero.Recipe RECIPE = new StageZero.Recipe(ModelPreset.tiny, 4, 2, 1e-3, 1, 3);
    private static final List<String> TEXTS = ShippedCorpus.GENERAL.documents().subList(0, 6).stream()
            .map(d -> d.text())
            .toList();

    @TempDir
    Path cache;

    @Test
    void trainsOnceThenReusesTheCache() throws Exception {
        AtomicInteger steps = new AtomicInteger();
        StageZero.Outcome first =
                StageZero.ensure(cache, TEXTS, RECIPE, (step, total, loss) -> steps.incrementAndGet());
        assertFalse(first.reused());
        assertEquals(4, steps.get());
        assertTrue(Double.isFinite(first.firstLoss()) && first.finalLoss() > 0);
        String sha = Manifest.verify(first.directory()).sha256();
        assertTrue(Files.readString(cache.resolve(".gitignore")).contains("*"), "the cache keeps itself out of git");

        StageZero.Outcome second =
                StageZero.ensure(cache, TEXTS, RECIPE, (step, total, loss) -> steps.incrementAndGet());
        assertTrue(second.reused());
        assertEquals(4, steps.get(), "a valid cache must not train again");
        assertEquals(first.directory(), second.directory());
        assertEquals(sha, Manifest.verify(second.directory()).sha256());
        assertEquals(first.finalLoss(), second.finalLoss());
        // what the trainer will do with it: load it as a checkpoint
        try (LanguageModel base = LanguageModel.load(second.directory())) {
            assertEquals(RECIPE.config(), base.config());
        }
    }

    @Test
    void rebuildsACorruptCache() throws Exception {
        StageZero.Outcome first = StageZero.ensure(cache, TEXTS, RECIPE, StageZero.Listener.NONE);
        Path weights = first.directory().resolve(LanguageModel.WEIGHTS_FILE);
        byte[] bytes = Files.readAllBytes(weights);
        bytes[bytes.length - 1] ^= 0x5a; // one flipped byte in the last weight
        Files.write(weights, bytes);

        StageZero.Outcome second = StageZero.ensure(cache, TEXTS, RECIPE, StageZero.Listener.NONE);
        assertFalse(second.reused());
        assertTrue(second.rebuiltReason().contains(LanguageModel.WEIGHTS_FILE), second.rebuiltReason());
        Manifest.verify(second.directory()); // throws if the rebuilt cache were still corrupt
        assertTrue(
                StageZero.ensure(cache, TEXTS, RECIPE, StageZero.Listener.NONE).reused());
    }

    @Test
    void anotherCorpusOrRecipeIsAnotherBase() {
        StageZero.Outcome base = StageZero.ensure(cache, TEXTS, RECIPE, StageZero.Listener.NONE);
        assertNull(base.rebuiltReason());
        StageZero.Outcome otherTexts = StageZero.ensure(cache, TEXTS.subList(1, 6), RECIPE, StageZero.Listener.NONE);
        StageZero.Outcome otherRecipe = StageZero.ensure(
                cache, TEXTS, new StageZero.Recipe(ModelPreset.tiny, 5, 2, 1e-3, 1, 3), StageZero.Listener.NONE);
        assertFalse(otherTexts.reused());
        assertFalse(otherRecipe.reused());
        assertNotEquals(base.directory(), otherTexts.directory());
        assertNotEquals(base.directory(), otherRecipe.directory());
    }

    @Test
    void windowsMakeEveryTokenATargetOnce() {
        List<int[]> windows =
                StageZero.windows(StageZero.tokenStream(List.of("abcdefghij"), ByteTokenizer.INSTANCE), 4);
        // a b c d | d e f g | g h i j
        assertEquals(3, windows.size());
        assertEquals('d', windows.get(1)[0]);
        assertEquals('j', windows.get(2)[3]);
    }

    @Test
    void aLlamaBaseCarriesTheByteLevelBpeItWasTrainedWith() throws Exception {
        StageZero.Recipe llama = new StageZero.Recipe(ModelPreset.llamaTiny, 3, 2, 1e-3, 1, 3);
        StageZero.Outcome base = StageZero.ensure(cache, TEXTS, llama, StageZero.Listener.NONE);
        Path tokenizerJson = base.directory().resolve(TokenizerStore.HF_FILE);
        assertTrue(Files.isRegularFile(tokenizerJson), "ingest and the mixer read the base's tokenizer.json");
        try (HuggingFaceTokenizerAdapter tokenizer = HuggingFaceTokenizerAdapter.load(tokenizerJson);
                LanguageModel model = LanguageModel.load(base.directory())) {
            assertInstanceOf(LlamaConfig.class, model.decoderConfig());
            assertEquals(tokenizer.fingerprint(), model.tokenizer().fingerprint());
            assertTrue(tokenizer.vocabSize() > 256 && tokenizer.vocabSize() <= 2048, "vocab " + tokenizer.vocabSize());
            // BPE merges: the same text is fewer ids than bytes
            String text = TEXTS.get(0);
            assertTrue(tokenizer.encode(text).length * 2 < text.getBytes(StandardCharsets.UTF_8).length);
            assertTrue(tokenizer.eos().isPresent(), "documents are separated by the tokenizer's EOS");
        }
        assertNotEquals(
                StageZero.key(TEXTS, llama),
                StageZero.key(TEXTS, new StageZero.Recipe(ModelPreset.tiny, 3, 2, 1e-3, 1, 3)),
                "the tokenizer is part of the recipe's key");
    }

    @Test
    void documentsAreSeparatedByEosWhenTheTokenizerHasOne() throws Exception {
        StageZero.Recipe llama = new StageZero.Recipe(ModelPreset.llamaTiny, 3, 2, 1e-3, 1, 3);
        Tokenizer tokenizer = StageZero.tokenizer(llama, TEXTS);
        try {
            int[] stream = StageZero.tokenStream(List.of("one text", "another"), tokenizer);
            int[] first = tokenizer.encode("one text");
            int[] second = tokenizer.encode("another");
            assertEquals(first.length + 1 + second.length, stream.length);
            assertEquals(tokenizer.eos().getAsInt(), stream[first.length]);
            assertEquals(second[0], stream[first.length + 1]);
        } finally {
            ((HuggingFaceTokenizerAdapter) tokenizer).close();
        }
    }

    @Test
    void everyDemoPresetHasARecipeWhoseWindowsFitTheCorpus() {
        long pretrainingBytes = Demo.Plan.standard(Main.DEFAULT_DOCUMENTS_PER_DOMAIN).pretrainingTexts().stream()
                .mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length)
                .sum();
        for (ModelPreset preset : Main.DEMO_MODELS) {
            StageZero.Recipe recipe = StageZero.Recipe.forModel(preset);
            assertEquals(preset, recipe.model());
            // a BPE cuts text into fewer ids than bytes; bytes over 4 is a safe floor for English prose
            long windows = pretrainingBytes / 4 / recipe.config().contextLength();
            assertTrue(windows >= recipe.batchSize(), preset + ": " + windows + " windows for " + recipe);
        }
        assertEquals(StageZero.Recipe.demo(), StageZero.Recipe.forModel(ModelPreset.small1M));
    }

    @Test
    void theCacheKeyOfAGivenCorpusAndRecipeNeverChanges() {
        // computed by the code that trained the bases in existing caches: a different key would orphan them
        List<String> texts = List.of("alpha", "beta gamma");
        assertEquals(
                "6d47bd3642bfbeb820b1f9aa584b401badb7fd68adef6b5603de2c54f99d29bf",
                StageZero.key(texts, StageZero.Recipe.demo()));
        assertEquals("847a376d3712a0c15026dceaea25f67a1dedcfa84592fc9e069416dbbe9a8724", StageZero.key(texts, RECIPE));
    }

    @Test
    void learningRatesAreBitForBitThoseTheCachedBasesWereTrainedWith() {
        for (StageZero.Recipe recipe : List.of(StageZero.Recipe.demo(), RECIPE)) {
            for (int step = 0; step < recipe.steps(); step++) {
                assertEquals(formerLearningRate(recipe, step), recipe.learningRate(step), 0.0, "step " + step);
            }
        }
    }

    /** The rate as stage 0 computed it before the schedule moved to cpt-model; the cache key does not cover it. */
    private static double formerLearningRate(StageZero.Recipe r, int step) {
        if (step < r.warmupSteps()) {
            return r.peakLearningRate() * (step + 1) / r.warmupSteps();
        }
        double progress = (double) (step - r.warmupSteps()) / Math.max(1, r.steps() - r.warmupSteps());
        return r.peakLearningRate() * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
}

package dev.cpt.reward.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trains the smoke-sized encoder once and checks that it learned something and survives a save and load. */
class EncoderTrainerTest {

    @Test
    void contrastiveTrainingSeparatesHeldOutPairsAndTheEncoderRoundTripsThroughItsFiles(@TempDir Path tmp)
            throws Exception {
        TrainingSettings settings = TrainingSettings.tiny();
        EncoderTrainer.Result result = EncoderTrainer.train(settings, ContrastivePairs.builtInCorpus(), s -> {});
        System.out.println("tiny encoder: " + result.summary());
        List<String> texts =
                List.of("Adding 12 and 30 gives 42.", "Bees visit thousands of flowers in a single day.", "");
        float[][] before;
        try (SentenceEncoder encoder = result.encoder()) {
            assertTrue(result.lastLoss() < result.firstLoss(), result.summary());
            assertTrue(
                    result.heldOutTop1() > 3 * result.chance(),
                    "held-out retrieval well above chance: " + result.summary());
            assertTrue(result.positiveCosine() > result.negativeCosine() + 0.1, result.summary());
            before = encoder.embed(texts);
            encoder.save(tmp.resolve("encoder"));
        }
        // the files a Hugging Face user would load: BertConfig fields, BertModel tensor names, a WordPiece tokenizer
        String config = Files.readString(tmp.resolve("encoder/config.json"));
        assertTrue(config.contains("\"hidden_size\" : 32") && config.contains("\"model_type\" : \"bert\""), config);
        String tokenizer = Files.readString(tmp.resolve("encoder/tokenizer.json"));
        assertTrue(
                tokenizer.contains("\"type\" : \"WordPiece\"") && tokenizer.contains("\"[CLS]\""),
                "WordPiece tokenizer");
        try (SentenceEncoder reloaded = SentenceEncoder.load(tmp.resolve("encoder"))) {
            float[][] after = reloaded.embed(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(before[i], after[i], 1e-6f, texts.get(i));
            }
        }
    }

    @Test
    void theVocabularyKeepsFrequentWordsWholeAndSpellsTheRest() throws Exception {
        WordPieceVocabulary.Built built =
                WordPieceVocabulary.build(List.of("the cat sat", "the cat ran", "the dog"), 300);
        // 5 specials + 94 characters + 94 continuations + words seen at least twice ("the", "cat")
        assertEquals(5 + 94 + 94 + 2, built.size());
        try (SentenceEncoder encoder =
                SentenceEncoder.create(new BertConfig(built.size(), 8, 1, 2, 16, 16, 2, 1e-12f), built.json(), 1)) {
            TokenBatch b = encoder.tokenize(List.of("The cat, dog"));
            // [CLS] the cat , d ##o ##g [SEP]: "dog" was seen once, so it is spelled
            assertEquals(8, b.width());
            assertEquals(2, b.ids()[0]);
            assertEquals(3, b.ids()[7]);
        }
    }

    @Test
    void pairsComeFromTheCorpusAndFromTemplatesWithTheSameNumbers() {
        List<String> corpus = ContrastivePairs.builtInCorpus();
        assertTrue(corpus.size() > 50, "sentences in the built-in corpus: " + corpus.size());
        var pairs = ContrastivePairs.training(corpus).batch(30, new java.util.Random(3));
        assertEquals(30, pairs.size());
        for (int i = 1; i < pairs.size(); i += 3) {
            // an arithmetic pair: two wordings of one fact, so the same numbers
            var p = pairs.get(i);
            assertEquals(numbers(p.anchor()), numbers(p.positive()), p.toString());
        }
    }

    private static java.util.Set<String> numbers(String s) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        var m = java.util.regex.Pattern.compile("\\d+").matcher(s);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }
}

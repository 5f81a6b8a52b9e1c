package dev.cpt.model.tokenizer;

import static dev.cpt.model.tokenizer.TokenizerResources.resource;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.common.tokenizer.SpecialTokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The committed tokenizers are what {@link BpeTrainer} makes of the shipped corpora, byte for byte: they are built by
 * the project, not downloaded, and a change to the trainer that changes them shows up here.
 */
class ShippedTokenizersTest {

    /** The corpora in training order, relative to this module (tests run in {@code cpt-model/}). */
    static final List<String> CORPORA = List.of(
            "../corpus/general/documents.jsonl.gz",
            "../corpus/python/documents.jsonl.gz",
            "../corpus/postgresql/documents.jsonl.gz");

    static final int VOCAB_SIZE = 2048;

    @ParameterizedTest
    @CsvSource({"BYTE_LEVEL, byte-level-bpe", "BYTE_FALLBACK, byte-fallback-bpe"})
    void retrainingOnTheShippedCorporaGivesTheCommittedFiles(BpeTrainer.Style style, String name) throws Exception {
        List<String> texts = new ArrayList<>();
        for (String corpus : CORPORA) {
            Path file = Path.of(corpus);
            assertTrue(Files.isRegularFile(file), "shipped corpus missing: " + file.toAbsolutePath());
            texts.addAll(BpeTrainer.readCorpus(file));
        }
        BpeTrainer.TrainedTokenizer trained = BpeTrainer.train(texts, style, VOCAB_SIZE);
        Path dir = resource(name);
        String regenerate = "retrained " + name + " differs; to accept it run, in cpt-model: java -cp ... "
                + BpeTrainer.class.getName() + " " + style.label() + " " + VOCAB_SIZE
                + " src/test/resources/tokenizers/"
                + name + " " + String.join(" ", CORPORA) + " and then src/test/node/reference-ids.mjs";
        assertBytes(dir.resolve(TokenizerStore.HF_FILE), trained.tokenizerJson(), regenerate);
        assertBytes(dir.resolve(SpecialTokens.TOKENIZER_CONFIG), trained.tokenizerConfigJson(), regenerate);
        assertBytes(dir.resolve(SpecialTokens.SPECIAL_TOKENS_MAP), trained.specialTokensMapJson(), regenerate);
    }

    private static void assertBytes(Path committed, byte[] trained, String message) throws Exception {
        // compared as text first: a failure then shows the first differing line, not two byte arrays
        List<String> expected = Files.readAllLines(committed, StandardCharsets.UTF_8);
        List<String> actual =
                new String(trained, StandardCharsets.UTF_8).lines().toList();
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            if (!expected.get(i).equals(actual.get(i))) {
                throw new AssertionError(message + "\n" + committed.getFileName() + " line " + (i + 1) + ": committed "
                        + expected.get(i) + ", trained " + actual.get(i));
            }
        }
        assertArrayEquals(Files.readAllBytes(committed), trained, message);
    }
}

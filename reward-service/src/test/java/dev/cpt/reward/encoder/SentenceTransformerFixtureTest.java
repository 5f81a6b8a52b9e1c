package dev.cpt.reward.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compares the encoder with sentence-transformers itself. Each fixture under {@code fixtures/sentence-transformers}
 * is a tiny random BERT wrapped in sentence-transformers' Transformer, Pooling and (two of them) Normalize modules,
 * written by {@code SentenceTransformer.save} of sentence-transformers 6.0.1 (transformers 5.17.0, torch 2.11.0; see
 * {@code versions.json}), with the token ids it fed the model and the float32 embeddings its {@code encode} returned
 * on the CPU ({@code src/test/python/make_sentence_transformer_fixtures.py}). The sentences: two short ones, one in
 * upper case with accents, one longer than every fixture's max_seq_length, and a single word spelled from WordPiece
 * pieces. The tests read the committed files only.
 */
class SentenceTransformerFixtureTest {
    static final String ROOT = "/fixtures/sentence-transformers/";
    private static final double TOLERANCE = 1e-5;
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"cls-normalize", "mean", "max", "mean-normalize"})
    void embeddingsMatchSentenceTransformers(String name) throws Exception {
        JsonNode expected = expected(name);
        try (SentenceEncoder encoder = SentenceEncoder.load(fixture(name))) {
            assertEquals(headOf(expected), encoder.head());
            assertEquals(
                    expected.get("type_vocab_size").asInt(), encoder.config().typeVocabSize());
            float[][] actual = encoder.embed(sentences(expected));
            // guards against a degenerate fixture where everything is near zero
            assertTrue(BertFixtureTest.maxDiff(expected.get("embeddings"), new float[actual.length][32]) > 0.3);
            double diff = BertFixtureTest.maxDiff(expected.get("embeddings"), actual);
            System.out.printf("sentence-transformers fixture %s: max |java - python| %.3g%n", name, diff);
            assertTrue(diff <= TOLERANCE, name + ": max |java - sentence-transformers| = " + diff);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cls-normalize", "mean", "max", "mean-normalize"})
    void tokensAndTokenTypesMatchSentenceTransformers(String name) throws Exception {
        JsonNode expected = expected(name);
        try (SentenceEncoder encoder = SentenceEncoder.load(fixture(name))) {
            TokenBatch batch = encoder.tokenize(sentences(expected));
            for (int r = 0; r < batch.rows(); r++) {
                assertArrayEquals(longs(expected.get("input_ids").get(r)), row(batch.ids(), batch, r), "row " + r);
                long[] types = row(batch.types(), batch, r);
                assertArrayEquals(longs(expected.get("token_type_ids").get(r)), types, "row " + r);
                assertTrue(Arrays.stream(types).allMatch(t -> t == 0), "a single sentence has token type 0 only");
            }
            // the long sentence is cut to max_seq_length and still ends in [SEP]
            int longest = 3;
            long[] cut = row(batch.ids(), batch, longest);
            assertEquals(encoder.head().maxSeqLength(), cut.length);
            assertEquals(3, cut[cut.length - 1]);
        }
    }

    @Test
    void theTokenizerLowerCasesAndStripsAccentsAsTokenizerJsonSays() throws Exception {
        JsonNode normalizer = JSON.readTree(
                        fixture("mean").resolve("tokenizer.json").toFile())
                .get("normalizer");
        assertEquals("BertNormalizer", normalizer.get("type").asText());
        assertTrue(normalizer.get("lowercase").asBoolean()
                && normalizer.get("strip_accents").asBoolean());
        try (SentenceEncoder encoder = SentenceEncoder.load(fixture("mean"))) {
            assertEquals(false, encoder.head().lowerCase(), "no do_lower_case: the tokenizer alone does it");
            TokenBatch b =
                    encoder.tokenize(List.of("CAFÉ Ünder THE River, Ça Fête!", "cafe under the river, ca fete!"));
            assertArrayEquals(row(b.ids(), b, 1), row(b.ids(), b, 0));
        }
    }

    @Test
    void doLowerCaseLowerCasesBeforeATokenizerThatKeepsCase(@TempDir Path tmp) throws Exception {
        Path dir = copy(fixture("mean"), tmp.resolve("cased"));
        ObjectNode tokenizer =
                (ObjectNode) JSON.readTree(dir.resolve("tokenizer.json").toFile());
        ((ObjectNode) tokenizer.get("normalizer")).put("lowercase", false).put("strip_accents", false);
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizer);
        List<String> texts = List.of("THE River", "the river");
        try (SentenceEncoder cased = SentenceEncoder.load(dir)) {
            TokenBatch b = cased.tokenize(texts);
            assertEquals(1, row(b.ids(), b, 0)[1], "upper case is [UNK] to a case-keeping tokenizer");
        }
        JSON.writeValue(
                dir.resolve("sentence_bert_config.json").toFile(),
                JSON.createObjectNode().put("max_seq_length", 16).put("do_lower_case", true));
        try (SentenceEncoder lowering = SentenceEncoder.load(dir)) {
            TokenBatch b = lowering.tokenize(texts);
            assertArrayEquals(row(b.ids(), b, 1), row(b.ids(), b, 0));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cls-normalize", "max"})
    void theSentenceTransformers5LayoutOfTheSameModelGivesTheSameEmbeddings(String name, @TempDir Path tmp)
            throws Exception {
        JsonNode expected = expected(name);
        Path dir = copy(fixture(name), tmp.resolve(name));
        // the files as sentence-transformers 5.x writes them (models.* names, one flag per mode, max_seq_length in
        // sentence_bert_config.json); tokenizer_config.json removed so the length can only come from there
        Files.delete(dir.resolve("tokenizer_config.json"));
        String modules = Files.readString(dir.resolve("modules.json"))
                .replaceAll(
                        "\"sentence_transformers\\.[a-z_.]+\\.(Transformer|Pooling|Normalize)\"",
                        "\"sentence_transformers.models.$1\"");
        Files.writeString(dir.resolve("modules.json"), modules);
        String mode = expected.get("pooling").asText();
        Files.writeString(dir.resolve("1_Pooling/config.json"), """
                {
                  "word_embedding_dimension": 32,
                  "pooling_mode_cls_token": %s,
                  "pooling_mode_mean_tokens": %s,
                  "pooling_mode_max_tokens": %s,
                  "pooling_mode_mean_sqrt_len_tokens": false,
                  "pooling_mode_weightedmean_tokens": false,
                  "pooling_mode_lasttoken": false,
                  "include_prompt": true
                }""".formatted(
                        mode.equals("cls"), mode.equals("mean"), mode.equals("max")));
        Files.writeString(
                dir.resolve("sentence_bert_config.json"),
                "{\"max_seq_length\": " + expected.get("max_seq_length").asInt() + ", \"do_lower_case\": false}");
        try (SentenceEncoder encoder = SentenceEncoder.load(dir)) {
            assertEquals(headOf(expected), encoder.head());
            double diff = BertFixtureTest.maxDiff(expected.get("embeddings"), encoder.embed(sentences(expected)));
            assertTrue(diff <= TOLERANCE, name + " in the 5.x layout: max |java - sentence-transformers| = " + diff);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cls-normalize", "max"})
    void saveWritesTheSentenceTransformersFilesAndReloadsIdentically(String name, @TempDir Path tmp) throws Exception {
        JsonNode expected = expected(name);
        Path saved = tmp.resolve("saved");
        float[][] before;
        EncoderHead head;
        try (SentenceEncoder encoder = SentenceEncoder.load(fixture(name))) {
            before = encoder.embed(sentences(expected));
            head = encoder.head();
            encoder.save(saved);
        }
        JsonNode modules = JSON.readTree(saved.resolve("modules.json").toFile());
        assertEquals(head.normalize() ? 3 : 2, modules.size());
        assertEquals(
                "sentence_transformers.models.Pooling",
                modules.get(1).get("type").asText());
        assertEquals("1_Pooling", modules.get(1).get("path").asText());
        JsonNode pooling = JSON.readTree(saved.resolve("1_Pooling/config.json").toFile());
        assertTrue(pooling.get(head.pooling().flag()).asBoolean());
        JsonNode settings =
                JSON.readTree(saved.resolve("sentence_bert_config.json").toFile());
        assertEquals(head.maxSeqLength(), settings.get("max_seq_length").asInt());
        try (SentenceEncoder reloaded = SentenceEncoder.load(saved)) {
            assertEquals(head, reloaded.head());
            float[][] after = reloaded.embed(sentences(expected));
            for (int r = 0; r < before.length; r++) {
                assertArrayEquals(before[r], after[r], 0f);
            }
        }
    }

    @Test
    void aTokenTypeBeyondTypeVocabSizeIsRefused() throws Exception {
        try (SentenceEncoder encoder = SentenceEncoder.load(fixture("max"))) {
            assertEquals(3, encoder.config().typeVocabSize());
            encoder.embed(TokenBatch.of(new long[][] {{2, 5, 3}}, new long[][] {{0, 2, 0}}));
            var e = assertThrows(
                    IllegalArgumentException.class,
                    () -> encoder.embed(TokenBatch.of(new long[][] {{2, 5, 3}}, new long[][] {{0, 3, 0}})));
            assertTrue(e.getMessage().contains("type_vocab_size 3"), e.getMessage());
        }
    }

    static EncoderHead headOf(JsonNode expected) {
        return new EncoderHead(
                Pooling.valueOf(expected.get("pooling").asText().toUpperCase(java.util.Locale.ROOT)),
                expected.get("normalize").asBoolean(),
                expected.get("max_seq_length").asInt(),
                false);
    }

    private static List<String> sentences(JsonNode expected) {
        List<String> out = new ArrayList<>();
        expected.get("sentences").forEach(s -> out.add(s.asText()));
        return out;
    }

    private static long[] row(long[] flat, TokenBatch b, int r) {
        int n = 0;
        while (n < b.width() && b.mask()[r * b.width() + n] == 1) {
            n++;
        }
        return Arrays.copyOfRange(flat, r * b.width(), r * b.width() + n);
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(from.relativize(f).toString()));
            }
        }
        return to;
    }

    private static JsonNode expected(String name) throws Exception {
        return JSON.readTree(fixture(name).resolve("expected.json").toFile());
    }

    static Path fixture(String name) throws Exception {
        return Paths.get(SentenceTransformerFixtureTest.class
                        .getResource(ROOT + name + "/modules.json")
                        .toURI())
                .getParent();
    }
}

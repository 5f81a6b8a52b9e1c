package dev.cpt.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import dev.cpt.ingest.bench.CorpusGenerator;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.model.tokenizer.HuggingFaceTokenizerAdapter;
import dev.cpt.model.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DocumentPipelineTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);

    private final DocumentPipeline pipeline = pipeline(ByteTokenizer.INSTANCE, 0.5);

    static DocumentPipeline pipeline(Tokenizer tokenizer, double minQuality) {
        Deduplicator dedup = new Deduplicator(
                new Deduplicator.Settings(true, true, 1000, 1000), MinHasher.forThreshold(0.8, 5, 128), null);
        return new DocumentPipeline(
                new Validator(1, 4096),
                new TextNormalizer(),
                new DomainRules("general", List.of()),
                dedup,
                new QualityScorer(),
                minQuality,
                10,
                tokenizer,
                CLOCK);
    }

    @Test
    void aDocumentWithoutIdOrDomainGetsTheContentHashTheDefaultDomainAndByteTokens() {
        var a = accepted(pipeline.fromRaw(new RawDocument(null, " ", "  héllo\r\n", null), Origin.http()));
        Document doc = a.document();
        assertTrue(doc.id().startsWith("sha256:") && doc.id().length() == 7 + 32, doc.id());
        assertEquals("general", doc.domain());
        assertEquals("héllo", doc.text(), "normalised");
        assertEquals("http", doc.source());
        assertEquals(ByteTokenizer.NAME, doc.tokenizer());
        assertEquals(ByteTokenizer.FINGERPRINT, doc.tokenizerFingerprint());
        assertArrayEquals(new int[] {'h', 0xc3, 0xa9, 'l', 'l', 'o'}, doc.tokens());
        assertEquals(6, a.bytes());
        assertEquals(CLOCK.instant(), doc.receivedAt());
        assertNotNull(doc.quality().get("score"));
    }

    @Test
    void theSameTextSentTwiceIsAnExactDuplicateEvenWithOtherIdsAndSpacing() {
        String text = new CorpusGenerator(5).document(1500);
        accepted(pipeline.fromRaw(new RawDocument("a", "law", text, null), Origin.http()));
        var dup = assertInstanceOf(
                Outcome.Duplicate.class,
                pipeline.fromRaw(
                        new RawDocument("b", "law", "  " + text.replace(" ", "   ") + "\n", null), Origin.http()));
        assertEquals(Deduplicator.Kind.EXACT, dup.kind());
        assertEquals("b", dup.id());
    }

    @Test
    void aNearCopyAboveTheThresholdIsANearDuplicate() {
        CorpusGenerator corpus = new CorpusGenerator(6);
        String text = corpus.document(3000);
        accepted(pipeline.fromRaw(new RawDocument("n1", "law", text, null), Origin.http()));
        var dup = assertInstanceOf(
                Outcome.Duplicate.class,
                pipeline.fromRaw(new RawDocument("n2", "law", corpus.nearCopy(text, 0.005), null), Origin.http()));
        assertEquals(Deduplicator.Kind.NEAR, dup.kind());
    }

    @Test
    void badInputIsRejectedWithItsReason() {
        assertEquals("malformed", rejected(json("{\"domain\": \"law\"}")).reason());
        assertEquals("malformed", rejected(json("this is not json")).reason());
        assertEquals(
                "empty",
                rejected(json(Json.write(new RawDocument("e", "law", " \u200b\n ", null))))
                        .reason());
        assertEquals(
                "too-large",
                rejected(json(Json.write(new RawDocument("l", "law", "x".repeat(4097), null))))
                        .reason());
        assertEquals(
                "binary",
                rejected(json(Json.write(new RawDocument("b", "law", "a\u0000b", null))))
                        .reason());
        byte[] latin1 = "{\"text\": \"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(
                "invalid-utf8",
                rejected(pipeline.fromJson(latin1, 0, latin1.length, Origin.http()))
                        .reason());
        assertEquals(
                "empty",
                rejected(pipeline.fromText(new byte[0], Origin.file("a.txt"))).reason());
    }

    @Test
    void aLowQualityDocumentIsRejectedWithItsScoreAndSignals() {
        var r = rejected(pipeline.fromRaw(
                new RawDocument(
                        "q", "law", "### ... ## 1234 5678 ### ... ## 99 ### %%% ... 1 2 3 ### ... ".repeat(10), null),
                Origin.http()));
        assertEquals("low-quality", r.reason());
        assertTrue(r.quality() < 0.5);
        assertTrue(r.message().contains("symbol_ratio"), r.message());
        assertNotNull(r.reservation(), "a second copy is then a duplicate, not a second dead letter");
    }

    @Test
    void aWatchedFileTakesItsDomainFromItsDirectory() {
        byte[] text = new CorpusGenerator(8).document(800).getBytes(StandardCharsets.UTF_8);
        Document doc = accepted(pipeline.fromText(text, Origin.file("biology/cells.txt")))
                .document();
        assertEquals("biology", doc.domain());
        assertEquals("file:biology/cells.txt", doc.source());
    }

    @Test
    void aHuggingFaceTokenizerIsUsedWhenConfigured(@TempDir Path dir) throws Exception {
        Path json = wordLevelTokenizer(dir.resolve("tokenizer.json"), "water", "boils", "at", "degrees", ".");
        try (HuggingFaceTokenizerAdapter hf = HuggingFaceTokenizerAdapter.load(json)) {
            Document doc = accepted(pipeline(hf, 0)
                            .fromRaw(
                                    new RawDocument("hf", "chemistry", "Water boils at 100 degrees.", null),
                                    Origin.http()))
                    .document();
            assertEquals(hf.name(), doc.tokenizer());
            // the stamp is the file's sha256, computed here independently of the tokenizer
            assertEquals(dev.cpt.common.Sha256.hex(Files.readAllBytes(json)), doc.tokenizerFingerprint());
            assertArrayEquals(new int[] {1, 2, 3, 0, 4, 5}, doc.tokens());
        }
    }

    private Outcome json(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return pipeline.fromJson(b, 0, b.length, Origin.http());
    }

    private static Outcome.Accepted accepted(Outcome o) {
        return assertInstanceOf(Outcome.Accepted.class, o, o::toString);
    }

    private static Outcome.Rejected rejected(Outcome o) {
        return assertInstanceOf(Outcome.Rejected.class, o, o::toString);
    }

    /** A lower-casing, whitespace-splitting WordLevel tokenizer in Hugging Face's JSON schema; id 0 is [UNK]. */
    static Path wordLevelTokenizer(Path file, String... words) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.putArray("added_tokens")
                .addObject()
                .put("id", 0)
                .put("content", "[UNK]")
                .put("single_word", false)
                .put("lstrip", false)
                .put("rstrip", false)
                .put("normalized", false)
                .put("special", true);
        root.putObject("normalizer").put("type", "Lowercase");
        root.putObject("pre_tokenizer").put("type", "Whitespace");
        root.putNull("post_processor");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        vocab.put("[UNK]", 0);
        for (int i = 0; i < words.length; i++) {
            vocab.put(words[i], i + 1);
        }
        model.put("unk_token", "[UNK]");
        Files.write(file, json.writeValueAsBytes(root));
        return file;
    }
}

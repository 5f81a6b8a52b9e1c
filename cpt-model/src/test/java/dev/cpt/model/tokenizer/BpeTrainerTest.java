package dev.cpt.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static List<String> prose() throws Exception {
        try (InputStream in = BpeTrainerTest.class.getResourceAsStream("/prose.txt")) {
            return List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n\n"));
        }
    }

    @Test
    void theSameTextsGiveTheSameBytes() throws Exception {
        for (BpeTrainer.Style style : BpeTrainer.Style.values()) {
            BpeTrainer.TrainedTokenizer first = BpeTrainer.train(prose(), style, 400);
            BpeTrainer.TrainedTokenizer second = BpeTrainer.train(prose(), style, 400);
            assertArrayEquals(first.tokenizerJson(), second.tokenizerJson(), style.label());
            assertArrayEquals(first.tokenizerConfigJson(), second.tokenizerConfigJson(), style.label());
            assertArrayEquals(first.specialTokensMapJson(), second.specialTokensMapJson(), style.label());
        }
    }

    @Test
    void byteLevelStopsAtTheRequestedSizeAndEncodesAnyText() throws Exception {
        BpeTrainer.train(prose(), BpeTrainer.Style.BYTE_LEVEL, 300).writeTo(tmp);
        try (HuggingFaceTokenizerAdapter tok = HuggingFaceTokenizerAdapter.load(tmp)) {
            assertEquals(300, tok.vocabSize());
            assertEquals(OptionalInt.of(298), tok.bos());
            assertEquals(OptionalInt.of(299), tok.eos());
            String text = "The miller's daughter — 東京 🚀\n\tcode();";
            assertEquals(text, tok.decode(tok.encode(text)));
            // the first 256 ids are the bytes, as in ByteTokenizer
            assertArrayEquals(ByteTokenizer.INSTANCE.encode("東"), tok.encode("東"));
            assertTrue(tok.encode("the river").length < "the river".length(), "merges shorten frequent words");
        }
    }

    @Test
    void byteFallbackHasSentencePiecesLayout() throws Exception {
        JsonNode json = JSON.readTree(
                BpeTrainer.train(prose(), BpeTrainer.Style.BYTE_FALLBACK, 400).tokenizerJson());
        JsonNode model = json.path("model");
        assertEquals(0, model.path("vocab").path("<unk>").asInt(-1));
        assertEquals(1, model.path("vocab").path("<s>").asInt(-1));
        assertEquals(2, model.path("vocab").path("</s>").asInt(-1));
        assertEquals(3, model.path("vocab").path("<0x00>").asInt(-1));
        assertEquals(258, model.path("vocab").path("<0xFF>").asInt(-1));
        assertTrue(model.path("byte_fallback").asBoolean());
        assertEquals("Metaspace", json.path("pre_tokenizer").path("type").asText());
        assertEquals(400, HuggingFaceTokenizerAdapter.vocabSizeOf(JSON.writeValueAsBytes(json)));
    }

    @Test
    void mergingStopsWhenNoPairRepeats() throws Exception {
        byte[] json = BpeTrainer.train(List.of("ab cd"), BpeTrainer.Style.BYTE_LEVEL, 1000)
                .tokenizerJson();
        assertEquals(0, JSON.readTree(json).path("model").path("merges").size());
        assertEquals(258, HuggingFaceTokenizerAdapter.vocabSizeOf(json));
    }

    @Test
    void aVocabularyBelowTheBaseIsRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> BpeTrainer.train(List.of("x"), BpeTrainer.Style.BYTE_LEVEL, 200));
        assertTrue(e.getMessage().contains("258"), e.getMessage());
    }
}

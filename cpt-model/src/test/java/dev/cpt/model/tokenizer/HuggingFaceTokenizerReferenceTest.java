package dev.cpt.model.tokenizer;

import static dev.cpt.model.tokenizer.TokenizerResources.BYTE_FALLBACK;
import static dev.cpt.model.tokenizer.TokenizerResources.BYTE_LEVEL;
import static dev.cpt.model.tokenizer.TokenizerResources.resource;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cpt.common.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DJL's Rust tokenizers against tokenizers.js (pure JavaScript, see {@code src/test/node/README.md}) on a multilingual
 * sample with code, emoji and CJK: two implementations of {@code tokenizer.json} that share no code must give the same
 * ids, for a byte-level BPE (Llama 3's layout) and a SentencePiece-style BPE with byte fallback (Llama 2's).
 */
class HuggingFaceTokenizerReferenceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static List<String> sample() throws Exception {
        List<String> texts = new ArrayList<>();
        JSON.readTree(resource("multilingual-sample.json").toFile()).forEach(t -> texts.add(t.asText()));
        return texts;
    }

    @ParameterizedTest
    @ValueSource(strings = {BYTE_LEVEL, BYTE_FALLBACK})
    void djlGivesTheIdsTokenizersJsGives(String name) throws Exception {
        JsonNode reference = JSON.readTree(resource("reference-ids.json").toFile())
                .path("tokenizers")
                .path(name);
        Path dir = resource(name);
        List<String> sample = sample();
        try (HuggingFaceTokenizerAdapter tok = HuggingFaceTokenizerAdapter.load(dir)) {
            assertEquals(
                    reference.path("sha256").asText(),
                    tok.fingerprint(),
                    "reference-ids.json was made from another tokenizer.json: rerun src/test/node/reference-ids.mjs");
            assertEquals(sample.size(), reference.path("ids").size());
            for (int i = 0; i < sample.size(); i++) {
                int[] expected = JSON.convertValue(reference.path("ids").get(i), int[].class);
                assertArrayEquals(expected, tok.encode(sample.get(i)), "text " + i + ": " + sample.get(i));
            }
        }
    }

    @Test
    void byteLevelDecodingGivesBackEveryText() throws Exception {
        try (HuggingFaceTokenizerAdapter tok = HuggingFaceTokenizerAdapter.load(resource(BYTE_LEVEL))) {
            for (String text : sample()) {
                assertEquals(text, tok.decode(tok.encode(text)));
            }
        }
    }

    @Test
    void byteFallbackSpellsUnseenCharactersInBytesAndDecodesThem() throws Exception {
        try (HuggingFaceTokenizerAdapter tok = HuggingFaceTokenizerAdapter.load(resource(BYTE_FALLBACK))) {
            // <0x00> is id 3, after <unk> <s> </s>; 🚀 is F0 9F 9A 80 in UTF-8
            int[] rocket = tok.encode("🚀");
            int[] tail = {3 + 0xF0, 3 + 0x9F, 3 + 0x9A, 3 + 0x80};
            assertArrayEquals(tail, Arrays.copyOfRange(rocket, rocket.length - 4, rocket.length));
            assertEquals("naïve 東京 🚀", tok.decode(tok.encode("naïve 東京 🚀")));
        }
    }

    @Test
    void bosAndEosComeFromTheDirectorysFiles() throws Exception {
        try (HuggingFaceTokenizerAdapter byteLevel = HuggingFaceTokenizerAdapter.load(resource(BYTE_LEVEL));
                HuggingFaceTokenizerAdapter byteFallback = HuggingFaceTokenizerAdapter.load(resource(BYTE_FALLBACK))) {
            assertEquals(OptionalInt.of(2046), byteLevel.bos());
            assertEquals(OptionalInt.of(2047), byteLevel.eos());
            assertEquals(2048, byteLevel.vocabSize());
            assertEquals(OptionalInt.of(1), byteFallback.bos());
            assertEquals(OptionalInt.of(2), byteFallback.eos());
            assertEquals(2048, byteFallback.vocabSize());
            assertEquals(
                    Sha256.hex(Files.readAllBytes(resource(BYTE_LEVEL).resolve("tokenizer.json"))),
                    byteLevel.fingerprint());
        }
    }
}

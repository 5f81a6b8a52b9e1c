package dev.cpt.model.tokenizer;

import static dev.cpt.model.tokenizer.TokenizerResources.BYTE_FALLBACK;
import static dev.cpt.model.tokenizer.TokenizerResources.BYTE_LEVEL;
import static dev.cpt.model.tokenizer.TokenizerResources.resource;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.common.tokenizer.SpecialTokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BOS/EOS from a model directory's files, fingerprints, and errors that name the file at fault. */
class TokenizerFilesTest {

    @TempDir
    Path tmp;

    /** A copy of the committed byte-fallback tokenizer.json alone, without its config files. */
    private Path bareTokenizer() throws IOException {
        Files.copy(resource(BYTE_FALLBACK).resolve(TokenizerStore.HF_FILE), tmp.resolve(TokenizerStore.HF_FILE));
        return tmp;
    }

    private void write(String file, String json) throws IOException {
        Files.writeString(tmp.resolve(file), json, StandardCharsets.UTF_8);
    }

    @Test
    void tokenNamesAreStringsOrObjectsAndTheTokenizerConfigComesFirst() throws Exception {
        bareTokenizer();
        write(SpecialTokens.TOKENIZER_CONFIG, "{\"bos_token\": \"<s>\"}");
        write(SpecialTokens.SPECIAL_TOKENS_MAP, "{\"bos_token\": \"</s>\", \"eos_token\": {\"content\": \"<unk>\"}}");
        assertEquals(new SpecialTokens(OptionalInt.of(1), OptionalInt.of(0)), SpecialTokens.read(tmp));
    }

    @Test
    void idsInTheModelConfigsAnswerWhatTheTokenizerFilesLeaveOpen() throws Exception {
        bareTokenizer();
        // Qwen2: the tokenizer has no BOS, config.json names one; Llama 3 Instruct lists several EOS ids
        write(SpecialTokens.TOKENIZER_CONFIG, "{\"bos_token\": null}");
        write(SpecialTokens.GENERATION_CONFIG, "{\"eos_token_id\": [2, 0]}");
        write(SpecialTokens.MODEL_CONFIG, "{\"bos_token_id\": 1, \"eos_token_id\": 1}");
        assertEquals(new SpecialTokens(OptionalInt.of(1), OptionalInt.of(2)), SpecialTokens.read(tmp));
    }

    @Test
    void aDirectoryWithoutAnyOfTheFilesHasNoBosOrEos() throws Exception {
        assertEquals(SpecialTokens.NONE, SpecialTokens.read(bareTokenizer()));
        assertEquals(OptionalInt.empty(), ByteTokenizer.INSTANCE.bos());
    }

    @Test
    void aTokenMissingFromTheVocabularyNamesTheFile() throws Exception {
        bareTokenizer();
        write(SpecialTokens.SPECIAL_TOKENS_MAP, "{\"eos_token\": \"<|im_end|>\"}");
        IOException e = assertThrows(IOException.class, () -> SpecialTokens.read(tmp));
        assertTrue(e.getMessage().contains(SpecialTokens.SPECIAL_TOKENS_MAP), e.getMessage());
        assertTrue(e.getMessage().contains("<|im_end|>"), e.getMessage());
    }

    @Test
    void anIdOutsideTheTokenizerNamesTheConfig() throws Exception {
        bareTokenizer();
        write(SpecialTokens.MODEL_CONFIG, "{\"bos_token_id\": 50256}");
        IOException e = assertThrows(IOException.class, () -> HuggingFaceTokenizerAdapter.load(tmp));
        assertTrue(
                e.getMessage().contains(tmp.resolve(SpecialTokens.MODEL_CONFIG).toString()), e.getMessage());
        assertTrue(e.getMessage().contains("50256") && e.getMessage().contains("2048"), e.getMessage());
    }

    @Test
    void withoutTokenizerJsonOnlyIdsAreRead() throws Exception {
        // a SentencePiece tokenizer.model directory: "<s>" cannot be resolved, config.json's ids still stand
        write(SpecialTokens.TOKENIZER_CONFIG, "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\"}");
        write(SpecialTokens.MODEL_CONFIG, "{\"bos_token_id\": 1, \"eos_token_id\": 2}");
        assertEquals(new SpecialTokens(OptionalInt.of(1), OptionalInt.of(2)), SpecialTokens.read(tmp));
    }

    @Test
    void anUnparsableFileIsNamed() throws Exception {
        bareTokenizer();
        write(SpecialTokens.TOKENIZER_CONFIG, "{\"bos_token\": ");
        IOException e = assertThrows(IOException.class, () -> HuggingFaceTokenizerAdapter.load(tmp));
        assertTrue(
                e.getMessage()
                        .contains(tmp.resolve(SpecialTokens.TOKENIZER_CONFIG).toString()),
                e.getMessage());

        Path broken = tmp.resolve("broken");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve(TokenizerStore.HF_FILE), "{\"model\": {\"vocab\": {\"a\": 0}");
        e = assertThrows(IOException.class, () -> HuggingFaceTokenizerAdapter.load(broken));
        assertTrue(
                e.getMessage().contains(broken.resolve(TokenizerStore.HF_FILE).toString()), e.getMessage());
    }

    @Test
    void jsonTheTokenizersLibraryRejectsIsNamed() throws Exception {
        Files.writeString(
                tmp.resolve(TokenizerStore.HF_FILE),
                "{\"added_tokens\": [], \"model\": {\"type\": \"NoSuchModel\", \"vocab\": {\"a\": 0}}}");
        IOException e = assertThrows(IOException.class, () -> HuggingFaceTokenizerAdapter.load(tmp));
        assertTrue(e.getMessage().contains(tmp.resolve(TokenizerStore.HF_FILE).toString()), e.getMessage());
    }

    @Test
    void aMissingTokenizerJsonIsNamed() throws Exception {
        IOException e = assertThrows(IOException.class, () -> HuggingFaceTokenizerAdapter.load(tmp));
        assertTrue(e.getMessage().contains(tmp.resolve(TokenizerStore.HF_FILE).toString()), e.getMessage());
        Files.writeString(tmp.resolve("tokenizer.model"), "");
        e = assertThrows(IOException.class, () -> HuggingFaceTokenizerAdapter.load(tmp));
        assertTrue(e.getMessage().contains("tokenizer.model"), e.getMessage());
    }

    @Test
    void theStoreNamesATokenizerJsonItsInfoPromises() throws Exception {
        try (HuggingFaceTokenizerAdapter tok = HuggingFaceTokenizerAdapter.load(resource(BYTE_LEVEL))) {
            TokenizerStore.write(tok, tmp);
        }
        Files.delete(tmp.resolve(TokenizerStore.HF_FILE));
        IOException e = assertThrows(IOException.class, () -> TokenizerStore.read(tmp));
        assertTrue(e.getMessage().contains(TokenizerStore.INFO_FILE), e.getMessage());
        assertTrue(e.getMessage().contains(tmp.resolve(TokenizerStore.HF_FILE).toString()), e.getMessage());
    }

    @Test
    void theStoreKeepsBosEosAndFingerprint() throws Exception {
        try (HuggingFaceTokenizerAdapter tok = HuggingFaceTokenizerAdapter.load(resource(BYTE_LEVEL))) {
            TokenizerStore.write(tok, tmp);
            try (HuggingFaceTokenizerAdapter read = (HuggingFaceTokenizerAdapter) TokenizerStore.read(tmp)) {
                assertEquals(tok.bos(), read.bos());
                assertEquals(tok.eos(), read.eos());
                assertEquals(tok.fingerprint(), read.fingerprint());
                assertEquals(tok.name(), read.name());
            }
        }
    }

    @Test
    void aTokenizerLargerThanTheModelIsRefusedNamingTheFile() throws Exception {
        Path file = resource(BYTE_LEVEL).resolve(TokenizerStore.HF_FILE);
        try (HuggingFaceTokenizerAdapter tok = HuggingFaceTokenizerAdapter.load(file)) {
            IOException e = assertThrows(IOException.class, () -> tok.requireFits(2000, file));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("2048") && e.getMessage().contains("2000"), e.getMessage());
            // a padded embedding (Qwen2 rounds its vocabulary up) is fine
            assertDoesNotThrow(() -> tok.requireFits(2176, file));
            assertDoesNotThrow(() -> tok.requireFits(2048, file));
        }
        assertThrows(IOException.class, () -> ByteTokenizer.INSTANCE.requireFits(255, file));
    }

    @Test
    void theByteTokenizersFingerprintIsFixed() {
        assertEquals("byte-256", ByteTokenizer.INSTANCE.fingerprint());
    }
}

package dev.cpt.common.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.common.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerIdentityTest {
    private static final String TOKENIZER_JSON =
            "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]},"
                    + " \"added_tokens\": [{\"id\": 3, \"content\": \"<|end|>\"}]}";

    @TempDir
    Path dir;

    @Test
    void aTokenizerFileIsKnownBySha256OfItsBytesWithItsEosFromTheFilesBesideIt() throws IOException {
        Files.writeString(dir.resolve(TokenizerIdentity.FILE), TOKENIZER_JSON);
        Files.writeString(dir.resolve(SpecialTokens.TOKENIZER_CONFIG), "{\"eos_token\": \"<|end|>\"}");

        TokenizerIdentity id = TokenizerIdentity.read(dir);

        String sha = Sha256.hex(TOKENIZER_JSON.getBytes(StandardCharsets.UTF_8));
        assertEquals(sha, id.fingerprint());
        assertEquals("hf-" + sha.substring(0, 16), id.name());
        assertEquals(4, id.vocabSize());
        assertEquals(OptionalInt.of(3), id.specialTokens().eos());
        assertEquals(id, TokenizerIdentity.read(dir.resolve(TokenizerIdentity.FILE)), "the file itself reads the same");
    }

    @Test
    void aCheckpointsTokenizerHasTheEosItsTokenizerInfoRecords() throws IOException {
        Files.writeString(dir.resolve(TokenizerIdentity.FILE), TOKENIZER_JSON);
        Files.writeString(
                dir.resolve(SpecialTokens.TOKENIZER_INFO), "{\"type\": \"huggingface\", \"eos_token_id\": 3}");
        assertEquals(
                OptionalInt.of(3), TokenizerIdentity.read(dir).specialTokens().eos());
    }

    @Test
    void aMissingFileIsNamed() {
        IOException e = assertThrows(IOException.class, () -> TokenizerIdentity.read(dir));
        assertTrue(e.getMessage().contains(dir.resolve(TokenizerIdentity.FILE).toString()), e.getMessage());
    }

    @Test
    void dataStampedWithTheRunsFingerprintMatchesAndAnyOtherIsRefusedNamingBoth() {
        String hf = Sha256.hex("one tokenizer.json");
        assertEquals(Optional.empty(), TokenizerIdentity.BYTES.mismatch("document d", "byte-256", "byte-utf8"));

        String reason =
                TokenizerIdentity.BYTES.mismatch("document d", hf, "hf-x").orElseThrow();
        assertTrue(reason.contains("document d"), reason);
        assertTrue(reason.contains(hf.substring(0, 12)) && !reason.contains(hf), "short form: " + reason);
        assertTrue(reason.contains("byte-256"), reason);

        // the name cannot overrule a fingerprint
        assertTrue(TokenizerIdentity.mismatch(hf, "batch b", "byte-256", TokenizerIdentity.nameOf(hf))
                .isPresent());
    }

    @Test
    void unstampedDataIsJudgedByTheTokenizerNameItHasAlwaysCarried() {
        String hf = Sha256.hex("one tokenizer.json");
        assertEquals(Optional.empty(), TokenizerIdentity.BYTES.mismatch("document d", null, "byte-utf8"));
        assertEquals(Optional.empty(), TokenizerIdentity.mismatch(hf, "document d", null, "hf-" + hf.substring(0, 16)));

        String other =
                TokenizerIdentity.mismatch(hf, "document d", null, "byte-utf8").orElseThrow();
        assertTrue(other.contains("carries no tokenizer fingerprint") && other.contains("'byte-utf8'"), other);
        assertTrue(other.contains(hf.substring(0, 12)), other);
        assertTrue(TokenizerIdentity.BYTES.mismatch("document d", null, "bytes").isPresent());
        String unnamed = TokenizerIdentity.BYTES.mismatch("batch b", null, null).orElseThrow();
        assertEquals("batch b carries no tokenizer fingerprint, this run's tokenizer is byte-256 (byte-utf8)", unnamed);
    }
}

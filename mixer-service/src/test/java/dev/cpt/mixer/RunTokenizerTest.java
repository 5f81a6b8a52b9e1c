package dev.cpt.mixer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.common.Sha256;
import dev.cpt.common.tokenizer.TokenizerIdentity;
import dev.cpt.contracts.Document;
import dev.cpt.mixing.rounds.DomainBuffer;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunTokenizerTest {
    /** Ids 0-3 from the vocabulary, 4 and 5 added: end-of-text is 5. */
    private static final String TOKENIZER_JSON =
            "{\"model\": {\"type\": \"WordLevel\", \"vocab\": {\"a\": 0, \"b\": 1, \"c\": 2, \"d\": 3},"
                    + " \"unk_token\": \"a\"}, \"added_tokens\": [{\"id\": 4, \"content\": \"<s>\"},"
                    + " {\"id\": 5, \"content\": \"</s>\"}]}";

    @TempDir
    Path dir;

    private Path tokenizerDir() throws IOException {
        Files.writeString(dir.resolve(TokenizerIdentity.FILE), TOKENIZER_JSON);
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\"}");
        return dir;
    }

    /** The mixer's configuration as the service reads it, defaults included, with {@code settings} on top. */
    private static MixerConfig config(Map<String, String> settings) {
        return new SmallRyeConfigBuilder()
                .withMapping(MixerConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter()) // "5s", as Quarkus reads it
                .withDefaultValues(settings)
                .build()
                .getConfigMapping(MixerConfig.class);
    }

    @Test
    void theSeparatorIsTheTokenizersEosUnlessSaidOtherwise() throws IOException {
        Path tokenizer = tokenizerDir();
        assertEquals(5, new RunTokenizer(config(Map.of("cpt.mixer.tokenizer-file", tokenizer.toString()))).separator());

        var none = new HashMap<String, String>();
        none.put("cpt.mixer.tokenizer-file", tokenizer.toString());
        none.put("cpt.mixer.separator-token", "none");
        assertEquals(DomainBuffer.NO_SEPARATOR, new RunTokenizer(config(none)).separator());

        none.put("cpt.mixer.separator-token", "3");
        assertEquals(3, new RunTokenizer(config(none)).separator());
    }

    @Test
    void withoutATokenizerFileTheRunIsBytesWithNoSeparator() {
        RunTokenizer bytes = new RunTokenizer(config(Map.of()));
        assertEquals(TokenizerIdentity.BYTES, bytes.identity());
        assertEquals(DomainBuffer.NO_SEPARATOR, bytes.separator());
    }

    @Test
    void aSeparatorThatIsNotATokenOfTheTokenizerIsRefusedAtStart() throws IOException {
        TokenizerIdentity identity = TokenizerIdentity.read(tokenizerDir());
        var outside = assertThrows(IllegalArgumentException.class, () -> RunTokenizer.separator("6", identity));
        assertTrue(outside.getMessage().contains("6 is not one of the 6 ids"), outside.getMessage());
        var word = assertThrows(IllegalArgumentException.class, () -> RunTokenizer.separator("end", identity));
        assertTrue(word.getMessage().contains("eos, none or a token id"), word.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RunTokenizer.separator("256", TokenizerIdentity.BYTES));
    }

    @Test
    void aDocumentOfAnotherTokenizerIsRefusedNamingBothFingerprints() throws IOException {
        RunTokenizer run = new RunTokenizer(TokenizerIdentity.read(tokenizerDir()), RunTokenizer.EOS);
        String ours = Sha256.hex(TOKENIZER_JSON);
        assertEquals(Optional.empty(), run.refuses(document(TokenizerIdentity.nameOf(ours), ours)));

        String reason = run.refuses(document("byte-utf8", "byte-256")).orElseThrow();
        assertTrue(reason.contains("document doc-1"), reason);
        assertTrue(reason.contains("byte-256") && reason.contains(ours.substring(0, 12)), reason);
    }

    @Test
    void aStateDirectoryFilledUnderAnotherTokenizerIsRefused() throws IOException {
        Path state = dir.resolve("state");
        new RunTokenizer(TokenizerIdentity.BYTES, RunTokenizer.EOS).bind(state);
        new RunTokenizer(TokenizerIdentity.BYTES, RunTokenizer.EOS).bind(state); // the same tokenizer again: fine

        RunTokenizer other = new RunTokenizer(TokenizerIdentity.read(tokenizerDir()), RunTokenizer.EOS);
        var e = assertThrows(IllegalStateException.class, () -> other.bind(state));
        assertTrue(
                e.getMessage().contains("byte-256") && e.getMessage().contains("cpt.mixer.state-dir"), e.getMessage());
    }

    private static Document document(String tokenizer, String fingerprint) {
        return new Document(
                "doc-1", "law", "ab", tokenizer, fingerprint, new int[] {0, 1}, "test", Instant.EPOCH, Map.of());
    }
}

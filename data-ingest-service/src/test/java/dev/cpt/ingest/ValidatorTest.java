package dev.cpt.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ValidatorTest {
    private final Validator validator = new Validator(1, 64);

    @Test
    void validUtf8IsDecoded() {
        byte[] b = "Grüße, 世界 🌍".getBytes(StandardCharsets.UTF_8);
        assertEquals("Grüße, 世界 🌍", validator.decode(b, 0, b.length));
        assertEquals(b.length, Validator.utf8Length("Grüße, 世界 🌍"));
    }

    @Test
    void aZeroByteDocumentIsEmpty() {
        assertEquals("empty", reject(new byte[0]).reason());
    }

    @Test
    void anOversizedDocumentNamesItsSizeAndTheLimit() {
        var e = reject("x".repeat(65).getBytes(StandardCharsets.UTF_8));
        assertEquals("too-large", e.reason());
        assertTrue(e.getMessage().contains("65 bytes, the limit is 64"), e.getMessage());
    }

    @Test
    void aDocumentBelowTheMinimumIsTooSmall() {
        var e = assertThrows(
                RejectedDocumentException.class, () -> new Validator(10, 64).decode(new byte[] {'a', 'b'}, 0, 2));
        assertEquals("too-small", e.reason());
    }

    @Test
    void binaryContentIsRecognisedByNulBytesOrControlCharacters() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
        var e = reject(png);
        assertEquals("binary", e.reason());
        assertTrue(e.getMessage().contains("NUL byte at offset 8"), e.getMessage());

        byte[] controls = new byte[40];
        for (int i = 0; i < controls.length; i++) {
            controls[i] = (byte) (i % 2 == 0 ? 'a' : 0x01);
        }
        assertEquals("binary", reject(controls).reason());
    }

    @Test
    void invalidUtf8IsRefusedWithItsOffsetInsteadOfBeingReplaced() {
        byte[] latin1 = "café au lait".getBytes(StandardCharsets.ISO_8859_1);
        var e = reject(latin1);
        assertEquals("invalid-utf8", e.reason());
        assertTrue(e.getMessage().contains("byte offset 3 (0xe9)"), e.getMessage());
    }

    @Test
    void decodedTextGetsTheSameChecks() {
        var nul = assertThrows(RejectedDocumentException.class, () -> validator.check("a\0b", 3));
        assertEquals("binary", nul.reason());
        var large = assertThrows(RejectedDocumentException.class, () -> validator.check("x", 65));
        assertEquals("too-large", large.reason());
        assertEquals(-1, Validator.utf8Length("lone \ud800 surrogate"));
    }

    @Test
    void aJsonDocumentMayBeLongerThanItsTextButNotUnboundedly() {
        byte[] json = ("{\"text\":\"" + "\\u0041".repeat(60) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertTrue(json.length > 64);
        assertEquals(new String(json, StandardCharsets.UTF_8), validator.decodeJson(json, 0, json.length));
        byte[] huge = new byte[validator.jsonLimit() + 1];
        java.util.Arrays.fill(huge, (byte) 'a');
        assertEquals(
                "too-large",
                assertThrows(RejectedDocumentException.class, () -> validator.decodeJson(huge, 0, huge.length))
                        .reason());
    }

    private RejectedDocumentException reject(byte[] b) {
        return assertThrows(RejectedDocumentException.class, () -> validator.decode(b, 0, b.length));
    }
}

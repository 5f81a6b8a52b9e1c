package dev.cpt.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TextNormalizerTest {
    private final TextNormalizer normalizer = new TextNormalizer();

    @Test
    void decomposedCharactersAreComposed() {
        assertEquals("caf\u00e9", normalizer.normalize("cafe\u0301"));
        assertEquals("\uAC00", normalizer.normalize("\u1100\u1161")); // Hangul jamo
    }

    @Test
    void lineEndingsBecomeLineFeedsAndParagraphsSurvive() {
        assertEquals("one\ntwo\n\nthree", normalizer.normalize("one\r\ntwo\r\r\n\n\n\nthree\r\n"));
    }

    @Test
    void runsOfAnySpaceBecomeOneAndLineEndsAreTrimmed() {
        assertEquals("a b c\nd", normalizer.normalize("  a \t\u00a0 b\u2003c   \n   d  "));
    }

    @Test
    void controlAndInvisibleFormatCharactersGoButJoinersStay() {
        assertEquals("zerowidth", normalizer.normalize("zero\u200bwidth\u0007"));
        assertEquals("bom", normalizer.normalize("\ufeffbom"));
        assertEquals("soft", normalizer.normalize("so\u00adft"));
        assertEquals("\ud83d\udc68\u200d\ud83d\udc69", normalizer.normalize("\ud83d\udc68\u200d\ud83d\udc69"));
    }

    @Test
    void whitespaceOnlyTextBecomesEmpty() {
        assertEquals("", normalizer.normalize(" \n\t\u200b\r\n "));
    }

    @Test
    void cleanTextIsUnchanged() {
        String clean = "Water boils at 100 degrees.\n\nIce melts at 0.";
        assertEquals(clean, normalizer.normalize(clean));
        String nfc = "Grüße aus Köln";
        assertEquals(nfc, normalizer.normalize(nfc));
    }
}

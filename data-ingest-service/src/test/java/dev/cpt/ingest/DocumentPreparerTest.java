package dev.cpt.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.RawDocument;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DocumentPreparerTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);

    private final DocumentPreparer preparer = new DocumentPreparer(config(16, 10), TextTokenizer.utf8Bytes(), CLOCK);

    @Test
    void aDocumentWithoutIdOrDomainGetsTheContentHashAndTheDefaultDomain() {
        var p = preparer.prepare(new RawDocument(null, " ", "héllo", null), "http");

        assertTrue(p.document().id().startsWith("sha256:"));
        assertEquals(p.document().id(), preparer.prepare(new RawDocument(null, null, "héllo", null), "x").document().id());
        assertEquals("general", p.document().domain());
        assertEquals("http", p.document().source());
        assertArrayEquals(new int[] {'h', 0xc3, 0xa9, 'l', 'l', 'o'}, p.document().tokens());
        assertEquals(6, p.bytes());
        assertEquals(CLOCK.instant(), p.document().receivedAt());
    }

    @Test
    void emptyAndOversizedDocumentsAreRejectedWithTheirReason() {
        var empty = assertThrows(RejectedDocumentException.class, () -> preparer.prepare(new RawDocument("a", "d", "  \n", null), "t"));
        assertEquals("empty", empty.reason());

        var large = assertThrows(RejectedDocumentException.class,
                () -> preparer.prepare(new RawDocument("a", "d", "x".repeat(17), null), "t"));
        assertEquals("too-large", large.reason());
        assertTrue(large.getMessage().contains("17 bytes, the limit is 16"), large.getMessage());
    }

    @Test
    void theSplitIsDeterministicAndNearTheConfiguredShare() {
        Map<Split, Integer> counts = new EnumMap<>(Split.class);
        for (int i = 0; i < 10_000; i++) {
            Split s = Split.of("law", "doc-" + i, 10);
            assertEquals(s, Split.of("law", "doc-" + i, 10));
            counts.merge(s, 1, Integer::sum);
        }
        int heldout = counts.getOrDefault(Split.HELDOUT, 0);
        assertTrue(heldout > 800 && heldout < 1200, "held-out share off: " + heldout);
        assertEquals(Split.TRAIN, Split.of("law", "doc-1", 0));
        assertEquals(Split.HELDOUT, Split.of("law", "doc-1", 100));
    }

    static IngestConfig config(int maxBytes, int heldoutPercent) {
        return new IngestConfig() {
            @Override
            public String defaultDomain() {
                return "general";
            }

            @Override
            public int maxDocumentBytes() {
                return maxBytes;
            }

            @Override
            public int heldoutPercent() {
                return heldoutPercent;
            }
        };
    }
}

package dev.cpt.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SplitTest {
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
}

package dev.cpt.mixing.rounds;

import static dev.cpt.mixing.rounds.TestTokens.tokens;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Packing: documents run on across sequences, and each sequence marks where documents begin in it. */
class DomainBufferTest {

    private static List<String> ids(DomainBuffer.Cut cut) {
        return cut.completed().stream().map(DomainBuffer.BufferedDocument::id).toList();
    }

    @Test
    void documentBoundariesAreMarkedWhereDocumentsBegin() {
        var buffer = new DomainBuffer("law", DomainBuffer.NO_SEPARATOR);
        buffer.add("a", tokens(0, 3), () -> {});
        buffer.add("b", tokens(10, 5), () -> {});
        buffer.add("c", tokens(20, 2), () -> {});

        DomainBuffer.Cut first = buffer.cut(4); // a0 a1 a2 b0
        assertArrayEquals(new int[] {0, 1, 2, 10}, first.sequence().tokens());
        assertArrayEquals(new int[] {0, 3}, first.sequence().documentStarts());
        assertEquals(List.of("a", "b"), first.sequence().documentIds());
        assertEquals(List.of("a"), ids(first));

        DomainBuffer.Cut second = buffer.cut(4); // b1 b2 b3 b4: b began in the previous sequence
        assertArrayEquals(new int[] {}, second.sequence().documentStarts());
        assertEquals(List.of("b"), second.sequence().documentIds());
        assertEquals(List.of("b"), ids(second));

        DomainBuffer.Cut tail = buffer.cut(4); // c0 c1
        assertArrayEquals(new int[] {20, 21}, tail.sequence().tokens());
        assertArrayEquals(new int[] {0}, tail.sequence().documentStarts());
        assertFalse(tail.sequence().replay());
    }

    @Test
    void aSeparatorFollowsEveryDocument() {
        var buffer = new DomainBuffer("law", 999);
        buffer.add("a", new int[] {1, 2}, () -> {});
        buffer.add("b", new int[] {3, 4}, () -> {});

        DomainBuffer.Cut cut = buffer.cut(6);

        assertArrayEquals(new int[] {1, 2, 999, 3, 4, 999}, cut.sequence().tokens());
        assertArrayEquals(new int[] {0, 3}, cut.sequence().documentStarts());
        assertEquals(List.of("a", "b"), ids(cut));
        // The reservoir keeps the document's own tokens, without the separator.
        assertArrayEquals(new int[] {3, 4}, cut.completed().get(1).tokens());
    }

    @Test
    void anEmptyDocumentMarksNoStartButIsCompleted() {
        var buffer = new DomainBuffer("law", DomainBuffer.NO_SEPARATOR);
        buffer.add("a", tokens(0, 2), () -> {});
        buffer.add("empty", new int[0], () -> {});
        buffer.add("c", tokens(5, 2), () -> {});

        DomainBuffer.Cut cut = buffer.cut(4);

        assertArrayEquals(new int[] {0, 2}, cut.sequence().documentStarts());
        assertEquals(List.of("a", "empty", "c"), ids(cut));
    }
}

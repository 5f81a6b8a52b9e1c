package dev.cpt.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineReaderTest {
    @Test
    void linesComeWithoutTerminatorsAndThePositionIsTheNextLinesStart() throws Exception {
        byte[] data = "one\r\ntwo\n\nthree".getBytes(StandardCharsets.UTF_8);
        LineReader r = new LineReader(new ByteArrayInputStream(data), 100, 1000);
        assertEquals("one", text(r.next()));
        assertEquals(105, r.position());
        assertEquals("two", text(r.next()));
        assertEquals("", text(r.next()));
        assertEquals("three", text(r.next()));
        assertEquals(100 + data.length, r.position());
        assertNull(r.next());
    }

    @Test
    void anOverlongLineIsCutAndFlaggedAndTheNextLineIsIntact() throws Exception {
        byte[] data = ("x".repeat(200_000) + "\nnext\n").getBytes(StandardCharsets.UTF_8);
        LineReader r = new LineReader(new ByteArrayInputStream(data), 0, 10);
        assertEquals(10, r.next().length);
        assertTrue(r.truncated());
        assertEquals("next", text(r.next()));
        assertEquals(data.length, r.position());
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}

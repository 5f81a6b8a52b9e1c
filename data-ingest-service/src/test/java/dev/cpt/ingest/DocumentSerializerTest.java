package dev.cpt.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cpt.contracts.Document;
import dev.cpt.contracts.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DocumentSerializerTest {
    @Test
    void writesTheSameJsonAsTheContractsSerializer() throws Exception {
        Document doc = new Document("id-1", "law", "Héllo \"world\"\n", "byte-utf8",
                new int[] {0, 7, 99, 100, 255, 999, 1000, 50_257, -1}, "http", Instant.parse("2026-11-23T10:00:00Z"),
                Map.of("score", 0.75, "words", 2.0));
        String fast = new String(new DocumentSerializer().serialize("t", doc), StandardCharsets.UTF_8);
        assertEquals(Json.MAPPER.readTree(Json.write(doc)), Json.MAPPER.readTree(fast));
        Document back = Json.read(fast, Document.class);
        assertArrayEquals(doc.tokens(), back.tokens());
        assertEquals(doc.quality(), back.quality());
    }

    @Test
    void anEmptyTokenArrayIsAnEmptyJsonArray() throws Exception {
        Document doc = new Document("e", "law", "", "byte-utf8", new int[0], null, Instant.EPOCH);
        String json = new String(new DocumentSerializer().serialize("t", doc), StandardCharsets.UTF_8);
        assertEquals(0, Json.read(json, Document.class).tokens().length);
        assertEquals(Map.of(), Json.read(json, Document.class).quality());
    }
}

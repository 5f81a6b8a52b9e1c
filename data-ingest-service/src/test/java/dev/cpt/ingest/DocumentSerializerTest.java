package dev.cpt.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.Document;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.PackedInts;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DocumentSerializerTest {
    @Test
    void writesTheSameJsonAsTheContractsSerializer() throws Exception {
        Document doc = new Document(
                "id-1",
                "law",
                "Héllo \"world\"\n",
                "byte-utf8",
                "byte-256",
                new int[] {0, 7, 99, 100, 255, 999, 1000, 50_257, -1},
                "http",
                Instant.parse("2026-11-23T10:00:00Z"),
                Map.of("score", 0.75, "words", 2.0));
        String fast = new String(new DocumentSerializer().serialize("t", doc), StandardCharsets.UTF_8);
        assertEquals(Json.MAPPER.readTree(Json.write(doc)), Json.MAPPER.readTree(fast));
        Document back = Json.read(fast, Document.class);
        assertArrayEquals(doc.tokens(), back.tokens());
        assertEquals(doc.quality(), back.quality());
    }

    @Test
    void numbersWritesVersion1AsBeforeWhichStillReads() throws Exception {
        Document doc = new Document(
                "id-1",
                "law",
                "Hi",
                "byte-utf8",
                "byte-256",
                new int[] {72, 105, 50_257},
                "http",
                Instant.parse("2026-11-23T10:00:00Z"),
                Map.of());
        DocumentSerializer serializer = new DocumentSerializer();
        serializer.configure(Map.of(DocumentSerializer.ENCODING_CONFIG, "numbers"), false);
        String v1 = new String(serializer.serialize("t", doc), StandardCharsets.UTF_8);
        assertEquals(
                "{\"id\":\"id-1\",\"domain\":\"law\",\"text\":\"Hi\",\"tokenizer\":\"byte-utf8\","
                        + "\"tokenizerFingerprint\":\"byte-256\","
                        + "\"tokens\":[72,105,50257],\"source\":\"http\",\"receivedAt\":\"2026-11-23T10:00:00Z\","
                        + "\"quality\":{}}",
                v1);
        assertArrayEquals(doc.tokens(), Json.read(v1, Document.class).tokens());
        String v2 = new String(new DocumentSerializer().serialize("t", doc), StandardCharsets.UTF_8);
        assertTrue(v2.contains("\"tokens\":\"" + PackedInts.pack(doc.tokens()) + "\""), v2);
        assertTrue(v2.endsWith(",\"schemaVersion\":2}"), v2);
    }

    @Test
    void anEmptyTokenArrayIsAnEmptyJsonArray() throws Exception {
        Document doc = new Document("e", "law", "", "byte-utf8", new int[0], null, Instant.EPOCH);
        String json = new String(new DocumentSerializer().serialize("t", doc), StandardCharsets.UTF_8);
        assertEquals(0, Json.read(json, Document.class).tokens().length);
        assertEquals(Map.of(), Json.read(json, Document.class).quality());
    }

    /**
     * Printable ASCII is written directly and everything else is left to Jackson: texts mixing both, and records
     * written one after another on the same thread (which reuse one buffer), must come out exactly as Jackson
     * writes them.
     */
    @Test
    void escapingAndBufferReuseMatchJacksonByteForByte() throws Exception {
        String[] texts = {
            "plain ascii, two\nlines",
            "quote \" and backslash \\ and tab \t",
            "control \u0001 and DEL \u007f",
            "caf\u00e9 \u6771\u4eac \ud83d\ude00",
            "</script> & 'single'",
            "x".repeat(300_000),
            "short",
            ""
        };
        DocumentSerializer serializer = new DocumentSerializer();
        for (String text : texts) {
            int[] tokens = text.getBytes(StandardCharsets.UTF_8).length > 0
                    ? text.chars().toArray()
                    : new int[0];
            Document doc = new Document(
                    "id \"" + text.length(),
                    "law",
                    text,
                    "byte-utf8",
                    "byte-256",
                    tokens,
                    "http",
                    Instant.parse("2026-11-23T10:00:00.123Z"),
                    Map.of("score", 0.5));
            String fast = new String(serializer.serialize("t", doc), StandardCharsets.UTF_8);
            assertEquals(
                    Json.MAPPER.readTree(Json.write(doc)),
                    Json.MAPPER.readTree(fast),
                    text.length() > 80 ? "long text" : text);
            assertEquals(
                    Json.write(doc.text()),
                    fast.substring(fast.indexOf(",\"text\":") + 8, fast.indexOf(",\"tokenizer\":")));
        }
    }
}

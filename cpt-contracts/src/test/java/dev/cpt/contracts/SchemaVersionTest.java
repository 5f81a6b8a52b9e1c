package dev.cpt.contracts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A rolling upgrade: messages of version 1 (today's JSON) read by this code, version 2 written and read back. */
class SchemaVersionTest {
    /** A Document exactly as version 1 wrote it: no schemaVersion, the tokens a number array. */
    private static final String DOCUMENT_V1 =
            "{\"id\":\"d-1\",\"domain\":\"law\",\"text\":\"Hi é\",\"tokenizer\":\"bytes\","
                    + "\"tokens\":[72,105,32,195,169],\"source\":\"upload\",\"receivedAt\":\"2026-11-23T10:00:00Z\","
                    + "\"quality\":{\"score\":0.75}}";

    /** A TrainingBatch exactly as version 1 wrote it. */
    private static final String BATCH_V1 = "{\"batchId\":\"b-7\",\"round\":3,\"contextLength\":4,"
            + "\"sequences\":[{\"domain\":\"law\",\"tokens\":[1,2,3,4,5],\"documentIds\":[\"d1\",\"d2\"],"
            + "\"documentStarts\":[0,3],\"replay\":false},"
            + "{\"domain\":\"code\",\"tokens\":[50000,7],\"documentIds\":[\"d3\"],\"documentStarts\":[],\"replay\":true}],"
            + "\"weights\":{\"law\":0.75,\"code\":0.25},\"createdAt\":\"2026-11-23T10:00:00Z\",\"policy\":\"static\","
            + "\"replayShare\":0.5,\"batchIndex\":0,\"batchesInRound\":1}";

    @Test
    void aVersion1DocumentReads() {
        Document d = Json.read(DOCUMENT_V1, Document.class);
        assertArrayEquals(new int[] {72, 105, 32, 195, 169}, d.tokens());
        assertEquals("Hi é", d.text());
        assertEquals(Map.of("score", 0.75), d.quality());
    }

    @Test
    void aVersion1BatchReads() {
        TrainingBatch b = Json.read(BATCH_V1, TrainingBatch.class);
        assertArrayEquals(new int[] {1, 2, 3, 4, 5}, b.sequences().get(0).tokens());
        assertArrayEquals(new int[] {0, 3}, b.sequences().get(0).documentStarts());
        assertArrayEquals(new int[] {50000, 7}, b.sequences().get(1).tokens());
        assertTrue(b.sequences().get(1).replay());
        assertEquals("static", b.policy());
    }

    @Test
    void aDocumentIsWrittenPackedWithItsVersionAndReadsBack() {
        Document d = Json.read(DOCUMENT_V1, Document.class);
        JsonNode json = tree(Json.write(d));
        assertEquals(Versioned.SCHEMA_VERSION, json.get(Versioned.FIELD).asInt());
        // bytes 72 105 32 195 169, one byte each: base64 "SGkgw6k" after the width character
        assertEquals("1SGkgw6k", json.get("tokens").asText());

        Document back = Json.read(Json.write(d), Document.class);
        assertArrayEquals(d.tokens(), back.tokens());
        assertEquals(d, withTokens(back, d.tokens()));
    }

    @Test
    void aBatchRoundTripsWithEachSequencePackedAtItsOwnWidth() {
        TrainingBatch b = Json.read(BATCH_V1, TrainingBatch.class);
        String v2 = Json.write(b);
        JsonNode json = tree(v2);
        assertEquals(2, json.get(Versioned.FIELD).asInt());
        assertEquals("1AQIDBAU", json.at("/sequences/0/tokens").asText());
        assertEquals("2UMMHAA", json.at("/sequences/1/tokens").asText());
        assertFalse(json.at("/sequences/0").has(Versioned.FIELD), "nested records carry their message's version");

        TrainingBatch back = Json.read(v2, TrainingBatch.class);
        for (int i = 0; i < b.sequences().size(); i++) {
            assertArrayEquals(
                    b.sequences().get(i).tokens(), back.sequences().get(i).tokens());
            assertArrayEquals(
                    b.sequences().get(i).documentStarts(),
                    back.sequences().get(i).documentStarts());
        }
        assertEquals(b.weights(), back.weights());
        assertEquals(b.replayShare(), back.replayShare());
    }

    @Test
    void anExplicitVersion1AndTheCurrentVersionRead() {
        assertEquals(
                "d-1",
                Json.read(DOCUMENT_V1.replace("{\"id\"", "{\"schemaVersion\":1,\"id\""), Document.class)
                        .id());
        assertEquals(
                "d-1",
                Json.read(DOCUMENT_V1.replace("{\"id\"", "{\"schemaVersion\":2,\"id\""), Document.class)
                        .id());
    }

    @Test
    void aNewerVersionIsMalformedWithBothVersionsInTheReason() {
        String v3 = DOCUMENT_V1.replace("\"quality\"", "\"schemaVersion\":3,\"quality\"");
        var e = assertThrows(MalformedMessageException.class, () -> Json.read(v3, Document.class));
        assertTrue(e.getMessage().startsWith("not a valid Document"), e.getMessage());
        assertTrue(e.getMessage().contains("schema version 3"), e.getMessage());
        assertTrue(e.getMessage().contains("versions 1 to 2"), e.getMessage());

        String batchV3 = BATCH_V1.replace("{\"batchId\"", "{\"schemaVersion\":3,\"batchId\"");
        assertThrows(MalformedMessageException.class, () -> Json.read(batchV3, TrainingBatch.class));
        String weights = "{\"round\":1,\"policy\":\"static\",\"weights\":{\"a\":1.0},\"at\":\"2026-11-23T10:00:00Z\","
                + "\"schemaVersion\":9}";
        assertThrows(MalformedMessageException.class, () -> Json.read(weights, MixtureWeights.class));
    }

    @Test
    void aVersionThatIsNotANumberOrBrokenPackedTokensAreMalformed() {
        assertThrows(
                MalformedMessageException.class,
                () -> Json.read(DOCUMENT_V1.replace("{\"id\"", "{\"schemaVersion\":\"x\",\"id\""), Document.class));
        var e = assertThrows(
                MalformedMessageException.class,
                () -> Json.read(DOCUMENT_V1.replace("[72,105,32,195,169]", "\"3AAAA\""), Document.class));
        assertTrue(e.getMessage().contains("width '3'"), e.getMessage());
        assertThrows(
                MalformedMessageException.class,
                () -> Json.read(DOCUMENT_V1.replace("[72,105,32,195,169]", "\"2AA\""), Document.class));
    }

    @Test
    void everyMessageRecordWritesItsVersion() {
        var raw = new RawDocument("r", "law", "text", "s");
        assertEquals(2, tree(Json.write(raw)).get(Versioned.FIELD).asInt());
        assertEquals(
                2,
                tree(Json.write(new TrainedBatch(1, "b", "t", 0, 5, true)))
                        .get(Versioned.FIELD)
                        .asInt());
        assertEquals(
                2,
                tree(Json.write(new RewardScoring.Request(List.of())))
                        .get(Versioned.FIELD)
                        .asInt());
    }

    @Test
    void packedIdsRoundTripAtEveryWidth() {
        Random random = new Random(7);
        for (int bound : new int[] {1, 256, 65_536, Integer.MAX_VALUE}) {
            for (int n = 0; n < 20; n++) {
                int[] ids = random.ints(n, 0, bound).toArray();
                String packed = PackedInts.pack(ids);
                assertEquals(PackedInts.packedLength(ids), packed.length());
                assertArrayEquals(ids, PackedInts.unpack(packed), packed);
            }
        }
        assertEquals("1", PackedInts.pack(new int[0]));
        assertEquals("2AQACACwB", PackedInts.pack(new int[] {1, 2, 300}));
        assertArrayEquals(new int[] {-1, 5}, PackedInts.unpack(PackedInts.pack(new int[] {-1, 5})));
        assertEquals('4', PackedInts.pack(new int[] {-1}).charAt(0));
    }

    @Test
    void packedIdsAreTheWidthThenStandardBase64OfTheLittleEndianBytes() {
        Random random = new Random(11);
        for (int n : new int[] {1, 5, 6, 7, 12, 13, 100, 1001}) {
            for (int width : new int[] {1, 2, 4}) {
                int[] ids = random.ints(n, 0, width == 1 ? 256 : width == 2 ? 65_536 : Integer.MAX_VALUE)
                        .toArray();
                ids[0] = width == 1 ? 255 : width == 2 ? 65_535 : Integer.MAX_VALUE; // the width is the largest id's
                java.nio.ByteBuffer le =
                        java.nio.ByteBuffer.allocate(n * width).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (int id : ids) {
                    if (width == 1) {
                        le.put((byte) id);
                    } else if (width == 2) {
                        le.putShort((short) id);
                    } else {
                        le.putInt(id);
                    }
                }
                String expected =
                        width + java.util.Base64.getEncoder().withoutPadding().encodeToString(le.array());
                assertEquals(expected, PackedInts.pack(ids), n + " ids of width " + width);
                assertArrayEquals(ids, PackedInts.unpack(expected));
            }
        }
    }

    private static Document withTokens(Document d, int[] tokens) {
        return new Document(
                d.id(),
                d.domain(),
                d.text(),
                d.tokenizer(),
                d.tokenizerFingerprint(),
                tokens,
                d.source(),
                d.receivedAt(),
                d.quality());
    }

    private static JsonNode tree(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}

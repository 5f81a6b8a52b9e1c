package dev.cpt.contracts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void batchSurvivesTheRoundTrip() {
        var batch = new TrainingBatch(
                "b-1",
                3,
                4,
                List.of(new PackedSequence("law", new int[] {1, 2, 3, 4, 5}, List.of("d1", "d2"))),
                Map.of("law", 0.75, "general", 0.25),
                Instant.parse("2026-11-23T10:00:00Z"),
                "byte-256");

        TrainingBatch back = Json.read(Json.write(batch), TrainingBatch.class);

        assertEquals("b-1", back.batchId());
        assertEquals(3, back.round());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5}, back.sequences().get(0).tokens());
        assertEquals(Map.of("law", 0.75, "general", 0.25), back.weights());
        assertEquals(batch.createdAt(), back.createdAt());
        assertEquals(5, back.tokenCount());
        assertEquals("byte-256", back.tokenizerFingerprint());
    }

    @Test
    void aDocumentCarriesItsTokenizerFingerprintAndOneWrittenWithoutItReadsAsNone() {
        var doc = new Document(
                "d-1",
                "law",
                "ab",
                "byte-utf8",
                "byte-256",
                new int[] {97, 98},
                "test",
                Instant.parse("2026-11-23T10:00:00Z"),
                Map.of());
        String json = Json.write(doc);
        assertEquals("byte-256", Json.read(json, Document.class).tokenizerFingerprint());
        assertNull(Json.read(json.replace("\"tokenizerFingerprint\":\"byte-256\",", ""), Document.class)
                .tokenizerFingerprint());
    }

    @Test
    void aGateDecisionWrittenBeforeBranchGatesReadsWithNoProtectedListAndNoBranchPoint() {
        String old = "{\"released\":true,\"reason\":\"ok\",\"targetDomains\":[\"law\"],\"referenceStep\":0,"
                + "\"referenceIsRelease\":false,\"targetImprovement\":0.2,\"protectedRegressions\":{\"general\":0.01},"
                + "\"regression\":false,\"lastGoodReleaseStep\":40}";
        EvalReport.GateDecision read = Json.read(old, EvalReport.GateDecision.class);
        assertEquals(List.of("law"), read.targetDomains());
        assertEquals(List.of(), read.protectedDomains());
        assertNull(read.branchPoint());

        var branch = new EvalReport.BranchPoint("file:/store/demo/step-000000040/", "demo", 40L);
        var gate = new EvalReport.GateDecision(
                false, "branch", List.of(), 40, false, null, Map.of(), false, null, List.of("general"), branch);
        assertEquals(gate, Json.read(Json.write(gate), EvalReport.GateDecision.class));
    }

    @Test
    void notJsonIsMalformedWithTheTypeInTheReason() {
        var e = assertThrows(MalformedMessageException.class, () -> Json.read("{not json", Document.class));
        assertTrue(e.getMessage().startsWith("not a valid Document"), e.getMessage());
    }

    @Test
    void aMissingRequiredFieldIsNamed() {
        var e = assertThrows(
                MalformedMessageException.class,
                () -> Json.read(
                        "{\"id\":\"a\",\"text\":\"x\",\"receivedAt\":\"2026-11-23T10:00:00Z\"}", Document.class));
        assertTrue(e.getMessage().contains("domain is missing"), e.getMessage());
    }

    @Test
    void weightsOffTheSimplexAreRefused() {
        var e = assertThrows(
                MalformedMessageException.class,
                () -> Json.read(
                        "{\"round\":1,\"policy\":\"static\",\"weights\":{\"a\":0.9,\"b\":0.3},\"at\":\"2026-11-23T10:00:00Z\"}",
                        MixtureWeights.class));
        assertTrue(e.getMessage().contains("must sum to 1"), e.getMessage());
    }

    @Test
    void aSequenceLongerThanTheContextIsRefused() {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> new TrainingBatch(
                        "b",
                        0,
                        2,
                        List.of(new PackedSequence("d", new int[] {1, 2, 3, 4}, List.of())),
                        Map.of("d", 1.0),
                        Instant.now()));
        assertTrue(e.getMessage().contains("more than contextLength + 1"), e.getMessage());
    }

    @Test
    void emptyInputIsMalformed() {
        assertThrows(MalformedMessageException.class, () -> Json.read("  ", RewardRequest.class));
    }

    @Test
    void checkpointShaMustBeHex() {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> new CheckpointEvent("run", 1, "file:/x", "XYZ", 0, Map.of(), List.of(), Instant.now()));
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
    }
}

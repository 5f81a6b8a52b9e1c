package dev.cpt.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The records that replaced hand-built shapes read exactly what the services wrote before them, and write it back
 * unchanged but for the schema version (2) at the end, so old files, manifests and clients keep working.
 */
class ServiceRecordsTest {

    @Test
    void ingestReplyReadsAndWritesTheJsonIngestAnswered() {
        String json = "{\"accepted\":[{\"line\":1,\"id\":\"sha256:00ff\",\"domain\":\"law\",\"split\":\"TRAIN\","
                + "\"tokens\":12,\"quality\":0.75}],"
                + "\"duplicates\":[{\"line\":2,\"id\":\"d-2\",\"domain\":\"law\",\"kind\":\"exact\"}],"
                + "\"rejected\":[{\"line\":4,\"reason\":\"too_short\",\"message\":\"3 words\"}],"
                + "\"error\":null}";

        IngestReply reply = Json.read(json, IngestReply.class);

        assertEquals(
                new IngestReply(
                        List.of(new IngestReply.Accepted(1, "sha256:00ff", "law", "TRAIN", 12, 0.75)),
                        List.of(new IngestReply.Duplicate(2, "d-2", "law", "exact")),
                        List.of(new IngestReply.Rejection(4, "too_short", "3 words")),
                        null),
                reply);
        assertTrue(reply.accepted().get(0).trains());
        assertEquals(versioned(json), Json.write(reply));
    }

    @Test
    void anIngestReplyWithAnErrorKeepsIt() {
        String json = "{\"accepted\":[],\"duplicates\":[],\"rejected\":[],\"error\":\"the request body exceeds\"}";
        assertEquals(versioned(json), Json.write(Json.read(json, IngestReply.class)));
    }

    @Test
    void trainedBatchIsTheJournalLineTheTrainerWrote() {
        String line = "{\"step\":3,\"batchId\":\"b-1\",\"topic\":\"cpt.batches\",\"partition\":0,\"offset\":41,"
                + "\"applied\":false}";

        TrainedBatch entry = Json.read(line, TrainedBatch.class);

        assertEquals(new TrainedBatch(3, "b-1", "cpt.batches", 0, 41, false), entry);
        assertEquals(versioned(line), Json.write(entry));
        assertEquals("trained-batches.jsonl", TrainedBatch.JOURNAL_FILE);
    }

    @Test
    void runMetadataIsTheManifestKeysTheTrainerWrote() {
        Map<String, String> written = Map.of(
                "run.id", "demo",
                "run.step", "150",
                "run.tokens", "{\"general\":4096,\"law\":2048}",
                "run.offsets", "[{\"topic\":\"cpt.batches\",\"partition\":0,\"nextOffset\":151}]",
                "run.phase", "{\"phase\":1,\"phaseStartStep\":100,\"cooldownStartStep\":-1,\"domainsSeen\":[\"law\"]}",
                "run.lr-scale", "0.5");

        RunMetadata run = RunMetadata.from(written);

        assertEquals(
                new RunMetadata(
                        "demo",
                        150,
                        Map.of("law", 2048L, "general", 4096L),
                        List.of(new ConsumedOffset("cpt.batches", 0, 151)),
                        new SchedulePhase(1, 100, -1, Set.of("law")),
                        0.5),
                run);
        assertEquals(written, run.toMetadata());
    }

    @Test
    void aBranchRecordsOnlyIdStepAndTokens() {
        Map<String, String> written =
                Map.of("run.id", "demo-grpo-1", "run.step", "0", "run.tokens", "{\"general\":7}", "grpo.base", "x");

        RunMetadata branch = RunMetadata.in(written).orElseThrow();

        assertEquals(RunMetadata.branch("demo-grpo-1", 0, Map.of("general", 7L)), branch);
        assertNull(branch.offsets());
        assertEquals(SchedulePhase.initial(), branch.phaseOrInitial());
        assertEquals(1.0, branch.learningRateScaleOrOne());
        assertEquals(
                Map.of("run.id", "demo-grpo-1", "run.step", "0", "run.tokens", "{\"general\":7}"), branch.toMetadata());
    }

    @Test
    void aCheckpointWithoutRunStateHasNoneAndABrokenOneSaysWhatIsMissing() {
        assertFalse(RunMetadata.in(Map.of("stage0.key", "abc")).isPresent());
        var e = assertThrows(
                MalformedMessageException.class, () -> RunMetadata.from(Map.of("run.step", "1", "run.id", "r")));
        assertTrue(e.getMessage().contains("run.tokens"), e.getMessage());
    }

    /** The JSON of version 1 as this code writes it: the same, with the version appended. */
    static String versioned(String v1) {
        return v1.substring(0, v1.length() - 1) + ",\"" + Versioned.FIELD + "\":" + Versioned.SCHEMA_VERSION + "}";
    }
}

package dev.cpt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.GrpoSpec;
import dev.cpt.contracts.GrpoStatus;
import dev.cpt.contracts.GrpoStepReport;
import dev.cpt.service.CheckpointStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Persisting GRPO stages in the checkpoint store, and what a restarted trainer decides for each. */
class GrpoStageStoreTest {
    private static final GrpoSpec SPEC = new GrpoSpec(
                    null, 4, 2, 4, 3, 2, null, null, null, null, null, 8, 3L, 1, null, null, null, null)
            .withDefaults();

    @TempDir
    Path root;

    static GrpoStepReport report(long step, long version) {
        return new GrpoStepReport(
                step,
                version,
                2,
                2,
                0,
                0,
                0,
                0.5,
                0.4,
                -0.1,
                0.01,
                0.2,
                1.0,
                true,
                Duration.ZERO,
                0,
                Duration.ZERO,
                0,
                0);
    }

    /** A stage killed during step 3 of 4: its last checkpoint is step 2. */
    static GrpoStageStore.Saved killedDuringStep3(String id, String runId) {
        GrpoStatus atTwo = GrpoStatus.queued(id, runId, SPEC)
                .running()
                .checkpointed("uri-0")
                .before(0.125, 2)
                .stepped(report(1, 1))
                .checkpointed("uri-1")
                .stepped(report(2, 2))
                .checkpointed("uri-2");
        GrpoStatus live = atTwo.stepped(report(3, 3));
        return new GrpoStageStore.Saved(Instant.parse("2026-01-01T00:00:00Z"), "base-uri", live, atTwo);
    }

    @Test
    void stagesAreWrittenAtomicallyAndReadBackInSubmissionOrderForThisRunOnly() throws Exception {
        CheckpointStore store = new CheckpointStore(root);
        GrpoStageStore stages = new GrpoStageStore(store, "demo");
        GrpoStageStore.Saved later = new GrpoStageStore.Saved(
                Instant.parse("2026-01-02T00:00:00Z"), null, GrpoStatus.queued("b", "demo-grpo-b", SPEC), null);
        GrpoStageStore.Saved earlier = killedDuringStep3("a", "demo-grpo-a");
        stages.save(later);
        stages.save(earlier);
        new GrpoStageStore(store, "other")
                .save(new GrpoStageStore.Saved(
                        Instant.EPOCH, null, GrpoStatus.queued("c", "other-grpo-c", SPEC), null));
        Files.createDirectories(root.resolve("demo-grpo-broken"));
        Files.writeString(root.resolve("demo-grpo-broken").resolve(GrpoStageStore.FILE), "{not json");

        assertTrue(Files.isRegularFile(root.resolve("demo-grpo-a").resolve(GrpoStageStore.FILE)));
        assertFalse(Files.exists(root.resolve("demo-grpo-a").resolve(GrpoStageStore.FILE + ".tmp")));
        assertEquals(List.of(earlier, later), stages.load(), "another run's stage and an unreadable file are left");

        GrpoStageStore.Saved done = earlier.with(earlier.status().succeeded());
        stages.save(done);
        assertEquals(List.of(done, later), stages.load(), "the file is replaced");
        assertTrue(stages.load().get(0).finished());
    }

    @Test
    void aStageWithACheckpointAtStep2Of4ResumesFromItWithTheCountersItHadThen() {
        GrpoStageStore.Saved saved = killedDuringStep3("a", "demo-grpo-a");
        GrpoStageStore.Resume resume = GrpoStageStore.Resume.of(saved);

        assertEquals("uri-2", resume.checkpoint());
        assertEquals("base-uri", resume.base());
        GrpoStatus status = resume.status();
        assertEquals("a", status.id());
        assertEquals(GrpoStatus.RUNNING, status.state());
        assertEquals(2, status.step(), "step 3 is trained again: the status goes on from the checkpoint's step");
        assertEquals(2, status.policyVersion());
        assertEquals(4, status.groupsUsed(), "the counters of steps 1 and 2, not step 3's");
        assertEquals(0.125, status.heldOutRewardBefore());
        assertEquals(List.of("uri-0", "uri-1", "uri-2"), status.checkpoints());
        assertEquals(saved.status().startedAt(), status.startedAt());
        assertEquals(1, status.resumes());

        GrpoStatus again = GrpoStageStore.Resume.of(saved.with(status)).status();
        assertEquals(2, again.resumes(), "each restart counts");
    }

    @Test
    void aStageWithoutACheckpointStartsOverAndAQueuedOneStartsAsItWouldHave() {
        GrpoStatus started = GrpoStatus.queued("a", "demo-grpo-a", SPEC).running();
        GrpoStageStore.Resume over =
                GrpoStageStore.Resume.of(new GrpoStageStore.Saved(Instant.EPOCH, "base-uri", started, null));
        assertNull(over.checkpoint(), "from step 0");
        assertEquals("base-uri", over.base(), "of the same base");
        assertEquals(0, over.status().step());
        assertEquals(1, over.status().resumes());

        GrpoStageStore.Resume queued = GrpoStageStore.Resume.of(
                new GrpoStageStore.Saved(Instant.EPOCH, null, GrpoStatus.queued("b", "demo-grpo-b", SPEC), null));
        assertNull(queued.base(), "it branches off the run's latest checkpoint when it starts");
        assertNull(queued.checkpoint());
        assertEquals(GrpoStatus.RUNNING, queued.status().state());
    }

    @Test
    void theStepsAfterTheCheckpointAndHalfWrittenOnesAreRemoved() throws Exception {
        CheckpointStore store = new CheckpointStore(root);
        for (long step = 0; step <= 3; step++) {
            Files.createDirectories(store.checkpointDir("demo-grpo-a", step));
        }
        Path half = Files.createDirectories(root.resolve("demo-grpo-a").resolve(".step-000000004.tmp-123"));

        new GrpoStageStore(store, "demo").discardCheckpointsAfter("demo-grpo-a", 2);

        assertTrue(Files.isDirectory(store.checkpointDir("demo-grpo-a", 2)));
        assertFalse(Files.exists(store.checkpointDir("demo-grpo-a", 3)));
        assertFalse(Files.exists(half));
        new GrpoStageStore(store, "demo").discardCheckpointsAfter("demo-grpo-a", -1);
        assertFalse(Files.exists(store.checkpointDir("demo-grpo-a", 0)));
    }
}

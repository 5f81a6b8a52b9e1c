package dev.cpt.trainer;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.GrpoSpec;
import dev.cpt.contracts.GrpoStatus;
import dev.cpt.contracts.Json;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.io.Manifest;
import dev.cpt.service.CheckpointStore;
import dev.cpt.testkit.EmbeddedKafkaResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A GRPO stage that a trainer restart interrupted: its file in the store says it was running, with a checkpoint at
 * step 2 of 4 (and a step-3 directory the kill left unrecorded). Taking up the persisted stages, as the trainer does
 * when it starts, resumes it at step 3 with its id, and it ends succeeded at step 4.
 */
@QuarkusTest
@WithTestResource(EmbeddedKafkaResource.class)
class GrpoResumeTest {
    @Inject
    GrpoStages stages;

    @Inject
    BatchTrainer trainer;

    @Inject
    CheckpointStore store;

    @Inject
    TrainerConfig config;

    @Test
    void aRunningStageWithACheckpointAtStep2Of4ResumesAtStep3AndSucceeds() throws Exception {
        String id = "resumed1";
        String runId = config.runId() + GrpoStages.RUN_SUFFIX + id;
        Path base = trainer.branchPoint();
        String baseUri = store.uriOf(base);
        GrpoSpec spec = new GrpoSpec(
                        null, 4, 2, 4, 3, 2, null, 0.05, null, null, null, 8, 3L, 1, null, null, null, null)
                .withDefaults();
        try (LanguageModel model = LanguageModel.load(base)) {
            for (long step : new long[] {0, 2, 3}) {
                model.save(store.checkpointDir(runId, step), Map.of("written-by", "the test"));
            }
        }
        String uri0 = store.uriOf(store.checkpointDir(runId, 0));
        String uri2 = store.uriOf(store.checkpointDir(runId, 2));
        GrpoStatus atTwo = GrpoStatus.queued(id, runId, spec)
                .running()
                .checkpointed(uri0)
                .before(0.125, 2)
                .stepped(GrpoStageStoreTest.report(1, 1))
                .stepped(GrpoStageStoreTest.report(2, 2))
                .checkpointed(uri2);
        GrpoStatus live = atTwo.stepped(GrpoStageStoreTest.report(3, 3));
        new GrpoStageStore(store, config.runId()).save(new GrpoStageStore.Saved(Instant.now(), baseUri, live, atTwo));

        try (RewardResponder responder =
                new RewardResponder(EmbeddedKafkaResource.broker().bootstrapServers())) {
            assertEquals(List.of(id), stages.resumePersisted());
            assertEquals(List.of(), stages.resumePersisted(), "a stage is never started twice");

            GrpoStatus end = awaitEnd(id, Duration.ofSeconds(300));
            assertEquals(GrpoStatus.SUCCEEDED, end.state(), () -> "stage failed: " + end.error());
            assertEquals(id, end.id());
            assertEquals(runId, end.runId());
            assertEquals(4, end.step());
            assertEquals(4, end.lastStep().step());
            assertEquals(1, end.resumes());
            assertEquals(atTwo.startedAt(), end.startedAt());
            assertEquals(0.125, end.heldOutRewardBefore(), "measured before the restart, kept");
            assertEquals(2, end.heldOutAnsweredBefore());
            assertEquals(
                    8,
                    end.groupsUsed() + end.staleGroupsDropped(),
                    "steps 1-2 as checkpointed plus steps 3-4 trained after the restart, the lost step 3 not counted");
            assertEquals(
                    List.of(
                            uri0,
                            uri2,
                            store.uriOf(store.checkpointDir(runId, 3)),
                            store.uriOf(store.checkpointDir(runId, 4))),
                    end.checkpoints());
            for (long step : new long[] {3, 4}) {
                var manifest = Manifest.verify(store.checkpointDir(runId, step));
                assertEquals(baseUri, manifest.metadata().get("grpo.base"), "step " + step + " trained again");
            }
            Path file = store.root().resolve(runId).resolve(GrpoStageStore.FILE);
            assertEquals(
                    end,
                    Json.read(Files.readString(file), GrpoStageStore.Saved.class)
                            .status(),
                    "persisted");
            assertTrue(responder.answered() > 0);
        }
    }

    private static GrpoStatus awaitEnd(String id, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            GrpoStatus s = Json.read(
                    given().when()
                            .get("/grpo/" + id)
                            .then()
                            .statusCode(200)
                            .extract()
                            .asString(),
                    GrpoStatus.class);
            if (s.state().equals(GrpoStatus.SUCCEEDED)
                    || s.state().equals(GrpoStatus.FAILED)
                    || System.nanoTime() > deadline) {
                return s;
            }
            Thread.sleep(250);
        }
    }
}

package dev.cpt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.model.CheckpointInfo;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.io.Manifest;
import dev.cpt.service.CheckpointStore;
import dev.cpt.training.schedule.LearningRateSchedule;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseBranchTest {
    @TempDir
    Path dir;

    @Test
    void aReleaseIsADecayedCopyOfTheStableCheckpointAndLeavesItUntouched() throws Exception {
        var store = new CheckpointStore(dir);
        int[][] rows = {
            "the cat sat on the mat and the cat sat".chars().toArray(),
            "on the mat the cat sat on".chars().toArray()
        };
        CheckpointInfo stableInfo;
        try (LanguageModel stable = LanguageModel.create(GptConfig.tiny(), 3)) {
            stableInfo = stable.save(store.checkpointDir("run", 10), Map.of());
        }
        var stable = new CheckpointEvent(
                "run",
                10,
                store.uriOf(stableInfo.directory()),
                stableInfo.manifestSha256(),
                100,
                Map.of("cats", 100L),
                List.of(),
                Instant.now());
        var branch = new ReleaseBranch(
                new LearningRateSchedule.WarmupStableDecay(3e-3, 0, 1, 8), OptimizerSettings.defaults());
        for (int i = 0; i < 12; i++) {
            branch.remember(List.of(rows, rows)); // only the last 8 steps are kept
        }

        CheckpointEvent release = branch.release(store, stable, Device.cpu());

        assertEquals("run-release", release.runId());
        assertEquals(10, release.step());
        Path releaseDir = store.resolve(release.uri());
        var manifest = Manifest.verify(releaseDir);
        assertEquals(release.sha256(), manifest.sha256());
        assertEquals("8", manifest.metadata().get("release.decay-steps"));
        assertEquals(
                stableInfo.manifestSha256(),
                Manifest.verify(stableInfo.directory()).sha256());
        try (LanguageModel before = LanguageModel.load(stableInfo.directory());
                LanguageModel after = LanguageModel.load(releaseDir)) {
            double b = before.sequenceLosses(rows)[0];
            double a = after.sequenceLosses(rows)[0];
            assertTrue(a < b, "the decay did not train: " + b + " -> " + a);
        }
    }
}

package dev.cpt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import dev.cpt.common.io.SafeTensors;
import dev.cpt.model.CheckpointException;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.NonFiniteWeightsException;
import dev.cpt.service.CheckpointStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run whose latest checkpoint has non-finite weights resumes from the newest earlier one whose weights are finite. */
class LatestFiniteCheckpointTest {
    @TempDir
    Path runDir;

    @Test
    void aBrokenLatestCheckpointIsRefusedAndTheRunGoesBackOneFurther() throws Exception {
        Path good = save(1, false);
        Path broken = save(2, true);
        Files.writeString(
                runDir.resolve(TrainingRun.LATEST), broken.getFileName().toString());

        TrainingRun.Loaded loaded = TrainingRun.latestFinite(runDir, broken, Device.cpu());
        try (LanguageModel model = loaded.model()) {
            assertEquals(good, loaded.dir());
            assertEquals("1", model.checkpointMetadata().get("step"));
        }
        assertEquals(
                good.getFileName().toString(),
                Files.readString(runDir.resolve(TrainingRun.LATEST)),
                "LATEST must leave the broken checkpoint");
    }

    @Test
    void withoutAFiniteCheckpointTheResumeFails() throws Exception {
        save(1, true);
        Path broken = save(2, true);
        assertThrows(CheckpointException.class, () -> TrainingRun.latestFinite(runDir, broken, Device.cpu()));
    }

    @Test
    void aFiniteLatestCheckpointIsTakenAsItIs() throws Exception {
        save(1, false);
        Path latest = save(2, false);
        TrainingRun.Loaded loaded = TrainingRun.latestFinite(runDir, latest, Device.cpu());
        loaded.model().close();
        assertEquals(latest, loaded.dir());
    }

    /** A checkpoint of the tiny model at {@code step}, with one NaN weight when {@code nonFinite}. */
    private Path save(long step, boolean nonFinite) throws Exception {
        Path dir = runDir.resolve(CheckpointStore.stepDirectory(step));
        Path hf = runDir.resolve("hf-" + step);
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), step)) {
            model.exportHuggingFace(hf);
        }
        if (nonFinite) {
            Path weights = hf.resolve(LanguageModel.WEIGHTS_FILE);
            SafeTensors.Contents contents = SafeTensors.read(weights);
            contents.tensors().values().iterator().next().data()[0] = Float.POSITIVE_INFINITY;
            SafeTensors.write(weights, contents.tensors(), contents.metadata());
        }
        try (LanguageModel model = LanguageModel.importHuggingFace(hf)) {
            model.save(dir, Map.of("step", Long.toString(step)));
        }
        assertEquals(nonFinite, refused(dir));
        return dir;
    }

    private static boolean refused(Path dir) throws CheckpointException {
        try (LanguageModel ignored = LanguageModel.load(dir)) {
            return false;
        } catch (NonFiniteWeightsException e) {
            return true;
        }
    }
}

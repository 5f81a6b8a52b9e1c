package dev.cpt.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaseModelTest {
    @TempDir
    Path dir;

    private static final int[][] PROBE = {{72, 101, 108, 108, 111}};

    @Test
    void aCheckpointAndAHuggingFaceDirectoryBothLoadAsTheSameWeights() throws Exception {
        double[] expected;
        try (LanguageModel m = LanguageModel.create(GptConfig.tiny(), 5)) {
            expected = m.sequenceLosses(PROBE);
            m.save(dir.resolve("checkpoint"), Map.of());
            m.exportHuggingFace(dir.resolve("hf"));
        }
        try (LanguageModel fromCheckpoint = BaseModel.load(dir.resolve("checkpoint"), Device.cpu());
                LanguageModel fromHf = BaseModel.load(dir.resolve("hf"), Device.cpu())) {
            assertArrayEquals(expected, fromCheckpoint.sequenceLosses(PROBE), 1e-6);
            assertArrayEquals(expected, fromHf.sequenceLosses(PROBE), 1e-5);
        }
    }

    @Test
    void aDirectoryWithNeitherLayoutIsRefusedClearly() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "not a model");
        var e = assertThrows(IllegalArgumentException.class, () -> BaseModel.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("neither a checkpoint"), e.getMessage());
    }
}

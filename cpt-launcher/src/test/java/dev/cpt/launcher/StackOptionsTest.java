package dev.cpt.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cpt.model.engine.ComputeDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackOptionsTest {
    @TempDir
    Path dir;

    @Test
    void aBaseModelWithATokenizerGivesItToIngestAndTheMixer() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        var options = StackOptions.defaults(dir, dir).withBaseModel(dir);
        String tokenizer = dir.toAbsolutePath().toString();
        assertEquals(
                Map.of(
                        "cpt.trainer.base-checkpoint", dir.toString(),
                        "cpt.ingest.tokenizer-file", tokenizer,
                        "cpt.mixer.tokenizer-file", tokenizer),
                options.properties());
    }

    @Test
    void aBaseModelWithoutOneLeavesThemOnBytes() {
        var options = StackOptions.defaults(dir, dir).withBaseModel(dir);
        assertEquals(Map.of("cpt.trainer.base-checkpoint", dir.toString()), options.properties());
    }

    @Test
    void theDeviceReachesEveryServiceThatRunsAModel() {
        var options = StackOptions.defaults(dir, dir).withDevice(ComputeDevice.cpu);
        assertEquals(
                Map.of("cpt.trainer.device", "cpu", "cpt.eval.device", "cpu", "cpt.reward.device", "cpu"),
                options.properties());
    }
}

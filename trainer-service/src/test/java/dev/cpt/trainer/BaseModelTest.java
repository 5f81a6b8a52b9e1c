package dev.cpt.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.cpt.common.io.Dtype;
import dev.cpt.common.io.SafeTensorsShards;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.LlamaConfig;
import dev.cpt.training.BatchFit;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
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
    void aLlamaLayoutHuggingFaceDirectoryLoadsAsTheBaseAndItsBatchesAreCheckedAgainstIt() throws Exception {
        LlamaConfig llama = LlamaConfig.tiny(256);
        double[] expected;
        try (LanguageModel m = LanguageModel.create(llama, 5, Device.cpu())) {
            expected = m.sequenceLosses(PROBE);
            m.exportHuggingFace(dir.resolve("llama"));
        }
        try (LanguageModel base = BaseModel.load(dir.resolve("llama"), Device.cpu())) {
            assertEquals(llama, base.decoderConfig());
            assertArrayEquals(expected, base.sequenceLosses(PROBE), 1e-5);
            BatchFit.check(batch(new int[] {1, 255}), base.decoderConfig());
            var e = assertThrows(
                    IllegalArgumentException.class,
                    () -> BatchFit.check(batch(new int[] {1, 256}), base.decoderConfig()));
            assertTrue(e.getMessage().contains("outside the model's vocabulary [0, 256)"), e.getMessage());
        }
    }

    @Test
    void aShardedHuggingFaceDirectoryLoadsAsTheBase() throws Exception {
        LlamaConfig llama = LlamaConfig.tiny(256);
        Path sharded = dir.resolve("sharded");
        double[] expected;
        try (LanguageModel m = LanguageModel.create(llama, 7, Device.cpu())) {
            expected = m.sequenceLosses(PROBE);
            // shards of 64 KiB: the tiny model's tensors spread over several files
            m.exportHuggingFace(sharded, Dtype.F32, 64 * 1024);
        }
        assertTrue(Files.isRegularFile(sharded.resolve(SafeTensorsShards.INDEX_FILE)));
        assertFalse(Files.exists(sharded.resolve(SafeTensorsShards.SINGLE_FILE)));
        try (LanguageModel base = BaseModel.load(sharded, Device.cpu())) {
            assertEquals(llama, base.decoderConfig());
            assertArrayEquals(expected, base.sequenceLosses(PROBE), 0);
        }
    }

    @Test
    void aShardedDirectoryMissingAShardIsRefusedNamingIt() throws Exception {
        Path sharded = dir.resolve("sharded");
        try (LanguageModel m = LanguageModel.create(LlamaConfig.tiny(256), 7, Device.cpu())) {
            m.exportHuggingFace(sharded, Dtype.F32, 64 * 1024);
        }
        Path shard = sharded.resolve("model-00002-of-" + shardTotal(sharded) + ".safetensors");
        Files.delete(shard);
        var e = assertThrows(UncheckedIOException.class, () -> BaseModel.load(sharded, Device.cpu()));
        assertTrue(e.getMessage().contains(shard.toString()), e.getMessage());
    }

    private static String shardTotal(Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("model-00001-of-"))
                    .findFirst()
                    .orElseThrow()
                    .substring("model-00001-of-".length(), "model-00001-of-".length() + 5);
        }
    }

    private static TrainingBatch batch(int[] tokens) {
        return new TrainingBatch(
                "b",
                0,
                tokens.length,
                List.of(new PackedSequence("d", tokens, List.of(), null, false)),
                Map.of("d", 1.0),
                Instant.now());
    }

    @Test
    void aDirectoryWithNeitherLayoutIsRefusedClearly() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "not a model");
        var e = assertThrows(IllegalArgumentException.class, () -> BaseModel.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("neither a checkpoint"), e.getMessage());
        assertTrue(e.getMessage().contains(SafeTensorsShards.INDEX_FILE), e.getMessage());
    }
}

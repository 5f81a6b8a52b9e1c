package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.cpt.common.Sha256;
import dev.cpt.common.io.SafeTensors;
import dev.cpt.model.io.Manifest;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.model.tokenizer.TokenizerStore;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    @TempDir
    Path tmp;

    private static final OptimizerSettings SETTINGS =
            OptimizerSettings.defaults().withLearningRate(2e-3);

    private static LanguageModel trainedModel(int steps) {
        LanguageModel model = LanguageModel.create(GptConfig.tiny(), 11);
        Random rng = new Random(5);
        for (int i = 0; i < steps; i++) {
            model.trainStep(TestData.windows(TestData.proseTokens(), 4, 33, rng), SETTINGS);
        }
        return model;
    }

    @Test
    void aCheckpointWithANonFiniteWeightIsRefusedNamingTheTensor() throws Exception {
        Path hf = tmp.resolve("hf");
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 11)) {
            model.exportHuggingFace(hf);
        }
        Path weights = hf.resolve(LanguageModel.WEIGHTS_FILE);
        SafeTensors.Contents contents = SafeTensors.read(weights);
        contents.tensors().get("wte.weight").data()[7] = Float.NaN;
        SafeTensors.write(weights, contents.tensors(), contents.metadata());
        try (LanguageModel broken = LanguageModel.importHuggingFace(hf)) {
            broken.save(tmp.resolve("ckpt"), Map.of());
        }
        var refused = assertThrows(NonFiniteWeightsException.class, () -> LanguageModel.load(tmp.resolve("ckpt")));
        assertTrue(refused.getMessage().contains("wte.weight"), refused.getMessage());
    }

    @Test
    void saveThenLoadGivesIdenticalLogits() throws Exception {
        int[][] probe = TestData.windows(TestData.proseTokens(), 2, 40, new Random(9));
        try (LanguageModel model = trainedModel(3)) {
            CheckpointInfo info = model.save(tmp.resolve("ckpt"), Map.of("run", "test", "step", "3"));
            assertEquals(64, info.manifestSha256().length());
            assertEquals(Sha256.hex(Files.readAllBytes(tmp.resolve("ckpt/manifest.json"))), info.manifestSha256());
            assertEquals(
                    List.of("config.json", "model.safetensors", "optimizer.safetensors", "tokenizer_info.json"),
                    info.fileNames());
            for (CheckpointInfo.FileEntry f : info.files()) {
                assertEquals(Files.size(tmp.resolve("ckpt").resolve(f.path())), f.size());
            }
            // no temp directory is left behind
            try (Stream<Path> s = Files.list(tmp)) {
                assertEquals(List.of(tmp.resolve("ckpt")), s.toList());
            }
            float[][][] before = model.logits(probe);
            try (LanguageModel loaded = LanguageModel.load(tmp.resolve("ckpt"))) {
                assertEquals(model.config(), loaded.config());
                assertEquals(model.parameterCount(), loaded.parameterCount());
                assertEquals(3, loaded.optimizerStep());
                float[][][] after = loaded.logits(probe);
                for (int r = 0; r < probe.length; r++) {
                    for (int t = 0; t < before[r].length; t++) {
                        assertArrayEquals(before[r][t], after[r][t], 0f, "row " + r + " position " + t);
                    }
                }
            }
            // identical contents give an identical identity; the id is checked on request
            CheckpointInfo again = model.save(tmp.resolve("ckpt2"), Map.of("run", "test", "step", "3"));
            assertEquals(info.manifestSha256(), again.manifestSha256());
            try (LanguageModel ok = LanguageModel.load(tmp.resolve("ckpt2"), info.manifestSha256(), Device.cpu())) {
                assertEquals(3, ok.optimizerStep());
            }
            CheckpointException wrongId = assertThrows(
                    CheckpointException.class,
                    () -> LanguageModel.load(
                            tmp.resolve("ckpt2"), "00" + info.manifestSha256().substring(2), Device.cpu()));
            assertTrue(wrongId.getMessage().contains("expected"), wrongId.getMessage());
            // different metadata, different identity
            assertNotEquals(
                    info.manifestSha256(),
                    model.save(tmp.resolve("ckpt3"), Map.of("run", "other")).manifestSha256());
        }
    }

    @Test
    void aLoadedModelCarriesItsVerifiedMetadata() throws Exception {
        Path dir = tmp.resolve("with-metadata");
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 4)) {
            assertEquals(Map.of(), model.checkpointMetadata());
            model.save(dir, Map.of("run.step", "17"));
        }
        try (LanguageModel loaded = LanguageModel.load(dir)) {
            assertEquals(Map.of("run.step", "17"), loaded.checkpointMetadata());
            assertEquals(Manifest.verify(dir).metadata(), loaded.checkpointMetadata());
        }
    }

    @Test
    void optimizerStateSurvivesSaveAndLoad() throws Exception {
        Random rng = new Random(21);
        int[][] b1 = TestData.windows(TestData.proseTokens(), 4, 33, rng);
        int[][] b2 = TestData.windows(TestData.proseTokens(), 3, 20, rng);
        double[] continued;
        double[] resumed;
        try (LanguageModel model = trainedModel(4)) {
            model.save(tmp.resolve("mid"), Map.of());
            continued = new double[] {
                model.trainStep(b1, SETTINGS).loss(),
                model.trainStep(b2, SETTINGS).loss(),
                model.sequenceLosses(b1)[0]
            };
        }
        try (LanguageModel reloaded = LanguageModel.load(tmp.resolve("mid"))) {
            resumed = new double[] {
                reloaded.trainStep(b1, SETTINGS).loss(),
                reloaded.trainStep(b2, SETTINGS).loss(),
                reloaded.sequenceLosses(b1)[0]
            };
        }
        assertArrayEquals(continued, resumed, 1e-6);

        // and the moments really matter: a fresh optimizer on the same weights diverges
        Path weightsOnly = tmp.resolve("weights-only");
        Files.createDirectories(weightsOnly);
        Files.copy(tmp.resolve("mid/model.safetensors"), weightsOnly.resolve("model.safetensors"));
        Files.copy(tmp.resolve("mid/config.json"), weightsOnly.resolve("config.json"));
        TokenizerStore.write(ByteTokenizer.INSTANCE, weightsOnly);
        try (LanguageModel fresh = LanguageModel.importHuggingFace(weightsOnly)) {
            fresh.trainStep(b1, SETTINGS);
            double second = fresh.trainStep(b2, SETTINGS).loss();
            assertTrue(Math.abs(second - continued[1]) > 1e-4, "fresh moments gave the same loss: " + second);
        }
    }

    @Test
    void flippedByteIsRefusedNamingTheFile() throws Exception {
        try (LanguageModel model = trainedModel(1)) {
            model.save(tmp.resolve("c"), Map.of());
        }
        Path weights = tmp.resolve("c/model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(weights, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> LanguageModel.load(tmp.resolve("c")));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
    }

    @Test
    void truncatedFileIsRefusedNamingTheFile() throws Exception {
        try (LanguageModel model = trainedModel(1)) {
            model.save(tmp.resolve("c"), Map.of());
        }
        Path opt = tmp.resolve("c/optimizer.safetensors");
        long size = Files.size(opt);
        try (FileChannel ch = FileChannel.open(opt, StandardOpenOption.WRITE)) {
            ch.truncate(size - 100);
        }
        CheckpointException e = assertThrows(CheckpointException.class, () -> LanguageModel.load(tmp.resolve("c")));
        assertTrue(e.getMessage().contains("optimizer.safetensors"), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void missingFilesAndManifestAreRefused() throws Exception {
        try (LanguageModel model = trainedModel(0)) {
            model.save(tmp.resolve("c"), Map.of());
        }
        Files.delete(tmp.resolve("c/config.json"));
        CheckpointException missing =
                assertThrows(CheckpointException.class, () -> LanguageModel.load(tmp.resolve("c")));
        assertTrue(missing.getMessage().contains("config.json"), missing.getMessage());
        Files.delete(tmp.resolve("c/manifest.json"));
        CheckpointException noManifest =
                assertThrows(CheckpointException.class, () -> LanguageModel.load(tmp.resolve("c")));
        assertTrue(noManifest.getMessage().contains("manifest.json"), noManifest.getMessage());
    }

    @Test
    void saveNeverOverwritesAnExistingDirectory() throws IOException {
        Files.createDirectories(tmp.resolve("taken"));
        try (LanguageModel model = trainedModel(0)) {
            assertThrows(FileAlreadyExistsException.class, () -> model.save(tmp.resolve("taken"), Map.of()));
        }
        try (Stream<Path> s = Files.list(tmp.resolve("taken"))) {
            assertFalse(s.findAny().isPresent());
        }
    }
}

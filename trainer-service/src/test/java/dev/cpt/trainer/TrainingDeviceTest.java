package dev.cpt.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.ConsumedOffset;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.Precision;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.service.CheckpointStore;
import dev.cpt.trainer.schedule.Schedules;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cpt.trainer.device} decides where the run's model is built, {@code cpt.trainer.replicas} on how many devices
 * it trains; a GPU asked for and missing stops the start.
 */
class TrainingDeviceTest {
    @TempDir
    Path store;

    private static TrainerConfig config(String device) {
        return GradientAccumulationRunTest.config(Map.of(TrainerConfig.DEVICE_SETTING, device));
    }

    @Test
    void aRunStartedWithDeviceCpuHasItsModelOnTheCpu() {
        try (TrainingRun run = TrainingRun.resumeOrStart(new CheckpointStore(store), config("cpu"))) {
            assertEquals(Device.cpu(), run.modelDevice());
            assertEquals(Precision.FLOAT32, run.modelPrecision(), "the default precision");
        }
    }

    @Test
    void thePrecisionSettingReachesTheRunsModel() {
        TrainerConfig fp16 = GradientAccumulationRunTest.config(Map.of("cpt.trainer.precision", "fp16"));
        try (TrainingRun run = TrainingRun.resumeOrStart(new CheckpointStore(store), fp16)) {
            assertEquals(Precision.FP16, run.modelPrecision());
        }
    }

    @Test
    void aGpuAskedForWithoutOneStopsTheStartWithTheSettingNamed() {
        assumeTrue(OfflineEngine.get().getGpuCount() == 0, "this engine sees a GPU");
        var e = assertThrows(
                IllegalStateException.class,
                () -> TrainingRun.resumeOrStart(new CheckpointStore(store), config("gpu")));
        assertTrue(e.getMessage().contains("cpt.trainer.device=gpu"), e.getMessage());
    }

    @Test
    void moreReplicasThanGpusStopTheStartWithBothSettingsNamed() {
        assumeTrue(OfflineEngine.get().getGpuCount() == 0, "this engine sees a GPU");
        var e = assertThrows(
                IllegalStateException.class,
                () -> TrainingRun.resumeOrStart(
                        new CheckpointStore(store),
                        GradientAccumulationRunTest.config(
                                Map.of(TrainerConfig.DEVICE_SETTING, "auto", TrainerConfig.REPLICAS_SETTING, "2"))));
        assertTrue(e.getMessage().contains("cpt.trainer.replicas=2 asks for 2 GPUs"), e.getMessage());
        assertTrue(e.getMessage().contains("cpt.trainer.device=cpu"), e.getMessage());
    }

    /**
     * Two CPU replicas train the run as one model does: its checkpoint holds the same weights up to the order float
     * gradients are summed in (1e-7). eps 1 makes Adam's update proportional to the
     * gradient, and the high rate makes it large, so a replica's gradient weighted by its own tokens instead of the
     * step's shows: it moves some weights by about 2e-6 here. Each batch has rows of different lengths, so both
     * replicas train.
     */
    @Test
    void aRunOnTwoCpuReplicasTrainsAsARunOnOne() throws Exception {
        Map<String, Tensor> one = trainTwoSteps(1, store.resolve("one"));
        Map<String, Tensor> two = trainTwoSteps(2, store.resolve("two"));
        for (String name : one.keySet()) {
            assertArrayEquals(one.get(name).data(), two.get(name).data(), 1e-7f, name);
        }
    }

    private static Map<String, Tensor> trainTwoSteps(int replicas, Path dir) throws Exception {
        TrainerConfig config = GradientAccumulationRunTest.config(Map.of(
                TrainerConfig.REPLICAS_SETTING,
                String.valueOf(replicas),
                "cpt.trainer.optimizer.eps",
                "1",
                "cpt.trainer.optimizer.weight-decay",
                "0"));
        var checkpoints = new CheckpointStore(dir);
        CheckpointEvent checkpoint;
        try (TrainingRun run = TrainingRun.resumeOrStart(checkpoints, config)) {
            assertEquals(replicas, run.replicaDevices().size());
            for (int i = 0; i < 2; i++) {
                var outcome = run.train(
                                batchOfThree(i),
                                new ConsumedOffset(TrainingBatch.TOPIC, 0, i + 1),
                                Schedules.from(config))
                        .orElseThrow()
                        .outcome();
                assertTrue(outcome.result().applied());
                assertEquals(3, outcome.result().rowLosses().length);
            }
            checkpoint = run.checkpoint(checkpoints, "constant");
        }
        try (LanguageModel saved = LanguageModel.load(checkpoints.resolve(checkpoint.uri()))) {
            assertEquals(2, saved.optimizerStep());
            return saved.weights();
        }
    }

    private static TrainingBatch batchOfThree(int i) {
        List<PackedSequence> rows = List.of(
                new PackedSequence(
                        "prose", ("the cat sat on the mat " + i).chars().toArray(), List.of("a")),
                new PackedSequence("prose", ("a dog " + i).chars().toArray(), List.of("b")),
                new PackedSequence("code", ("int x = " + i + ";").chars().toArray(), List.of("c")));
        return new TrainingBatch(
                "b-" + i, 0, 64, rows, Map.of("prose", 0.5, "code", 0.5), Instant.now(), ByteTokenizer.FINGERPRINT);
    }
}

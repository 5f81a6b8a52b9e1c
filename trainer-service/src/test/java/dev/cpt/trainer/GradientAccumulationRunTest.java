package dev.cpt.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.ConsumedOffset;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.ModelPreset;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.service.CheckpointStore;
import dev.cpt.trainer.schedule.Schedules;
import dev.cpt.training.OptimizerSteps;
import dev.cpt.training.StepOutcome;
import dev.cpt.training.schedule.LearningRateSchedule;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run with {@code gradient-accumulation-steps=3}: one optimizer step per three batch messages, taken with the
 * configured AdamW settings, and checkpoints whose offsets, steps and tokens hold only the batches of the steps taken,
 * so a run resumed from one reads the batches of an unfinished step again.
 */
class GradientAccumulationRunTest {
    private static final String TOPIC = TrainingBatch.TOPIC;

    @TempDir
    Path dir;

    /** A run of the tiny model on the CPU with a constant schedule, with {@code settings} on top. */
    static TrainerConfig config(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>();
        all.put("cpt.trainer.run-id", "acc");
        all.put("cpt.trainer.model", "tiny");
        all.put("cpt.trainer.device", "cpu");
        all.put("cpt.trainer.schedule.kind", "constant");
        all.putAll(settings);
        return TrainerConfigs.read(all);
    }

    private static TrainingBatch batch(int i) {
        String text = "batch " + i + ": the cat sat on the mat, " + "and the dog lay by the door ".substring(0, 10 + i);
        return new TrainingBatch(
                "b-" + i,
                0,
                64,
                List.of(new PackedSequence("prose", text.chars().toArray(), List.of("doc-" + i))),
                Map.of("prose", 1.0),
                Instant.now(),
                ByteTokenizer.FINGERPRINT);
    }

    /** Where batch {@code i}, at offset {@code i} of partition 0, leaves the partition. */
    private static ConsumedOffset after(int i) {
        return new ConsumedOffset(TOPIC, 0, i + 1);
    }

    @Test
    void theRunStepsOncePerThreeBatchesAndItsCheckpointHoldsOnlyTheBatchesOfStepsTaken() throws Exception {
        // eps 1: the update scales with the gradient, so settings or gradients other than these would show
        TrainerConfig config = config(Map.of(
                "cpt.trainer.gradient-accumulation-steps", "3",
                "cpt.trainer.optimizer.eps", "1",
                "cpt.trainer.optimizer.beta2", "0.5",
                "cpt.trainer.optimizer.weight-decay", "0",
                "cpt.trainer.optimizer.max-grad-norm", "0"));
        var store = new CheckpointStore(dir);
        LearningRateSchedule schedule = Schedules.from(config);
        List<List<int[][]>> steps = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        long tokensOfSteps = 0;
        CheckpointEvent checkpoint;
        try (TrainingRun run = TrainingRun.resumeOrStart(store, config)) {
            List<int[][]> microBatches = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                Optional<TrainingRun.TrainedStep> stepped = run.train(batch(i), after(i), schedule);
                microBatches.add(OptimizerSteps.rowsOf(batch(i)));
                boolean third = (i + 1) % 3 == 0;
                assertEquals(third, stepped.isPresent(), "batch " + i);
                assertEquals((i + 1) / 3, run.step(), "steps after batch " + i);
                if (third) {
                    StepOutcome outcome = stepped.get().outcome();
                    assertTrue(outcome.result().applied());
                    assertEquals(3, outcome.microBatches().size());
                    assertEquals(
                            List.of("b-" + (i - 2), "b-" + (i - 1), "b-" + i),
                            stepped.get().microBatches().stream()
                                    .map(m -> m.batch().batchId())
                                    .toList());
                    long tokens = microBatches.stream()
                            .mapToLong(rows -> rows[0].length)
                            .sum();
                    assertEquals(tokens, outcome.tokens());
                    tokensOfSteps += tokens;
                    steps.add(List.copyOf(microBatches));
                    rates.add(outcome.learningRate());
                    microBatches.clear();
                }
            }
            assertEquals(1, run.pendingMicroBatches());
            // in this process the 7th batch is consumed: its gradients are accumulated, and a redelivery must not
            // add them twice
            assertTrue(run.alreadyTrained(after(6)));
            assertEquals(List.of(after(6)), run.positions());

            checkpoint = run.checkpoint(store, "constant");
        }
        assertEquals(2, checkpoint.step());
        assertEquals(List.of(after(5)), checkpoint.consumedOffsets(), "offsets of the six batches in the weights");
        assertEquals(tokensOfSteps, checkpoint.tokensSeen());

        // the weights are those of two optimizer steps of three micro-batches each, at the configured settings
        OptimizerSettings settings = new OptimizerSettings(config.learningRate(), 0, 0.9, 0.5, 1, 0);
        try (LanguageModel expected =
                        LanguageModel.create(ModelPreset.tiny.decoderConfig(), config.seed(), Device.cpu());
                LanguageModel saved = LanguageModel.load(store.resolve(checkpoint.uri()))) {
            for (int s = 0; s < steps.size(); s++) {
                expected.trainStep(steps.get(s), settings.withLearningRate(rates.get(s)));
            }
            assertEquals(2, saved.optimizerStep());
            var want = expected.weights();
            var got = saved.weights();
            for (String name : want.keySet()) {
                assertArrayEquals(want.get(name).data(), got.get(name).data(), 1e-7f, name);
            }
        }

        // after a crash, the run resumes at step 2 and reads the 7th batch again
        try (TrainingRun resumed = TrainingRun.resumeOrStart(store, config)) {
            assertEquals(2, resumed.step());
            assertEquals(List.of(after(5)), resumed.positions());
            assertFalse(resumed.alreadyTrained(after(6)));
            assertTrue(resumed.alreadyTrained(after(5)));
            for (int i = 6; i < 9; i++) {
                assertEquals(i == 8, resumed.train(batch(i), after(i), schedule).isPresent());
            }
            assertEquals(3, resumed.step());
            assertEquals(List.of(after(8)), resumed.positions());
        }
    }

    @Test
    void oneBatchPerStepByDefault() {
        TrainerConfig config = config(Map.of());
        assertEquals(1, config.gradientAccumulationSteps());
        try (TrainingRun run = TrainingRun.resumeOrStart(new CheckpointStore(dir), config)) {
            assertTrue(run.train(batch(0), after(0), Schedules.from(config)).isPresent());
            assertEquals(1, run.step());
            assertEquals(0, run.pendingMicroBatches());
        }
    }

    @Test
    void theOptimizerDefaultsAreTheModelsAndEverySettingIsRead() {
        assertEquals(OptimizerSettings.defaults().withLearningRate(1e-3), OptimizerConfig.of(config(Map.of())));
        OptimizerSettings set = OptimizerConfig.of(config(Map.of(
                "cpt.trainer.learning-rate", "2e-4",
                "cpt.trainer.optimizer.beta1", "0.8",
                "cpt.trainer.optimizer.beta2", "0.999",
                "cpt.trainer.optimizer.eps", "1e-6",
                "cpt.trainer.optimizer.weight-decay", "0.01",
                "cpt.trainer.optimizer.max-grad-norm", "0")));
        assertEquals(new OptimizerSettings(2e-4, 0.01, 0.8, 0.999, 1e-6, 0), set);
    }

    @Test
    void aBadStepSettingIsRefusedAtStartWithTheNameOfTheProperty() {
        var store = new CheckpointStore(dir);
        Map<String, String> bad = Map.of(
                "cpt.trainer.optimizer.beta2", "1.5",
                "cpt.trainer.optimizer.eps", "0",
                "cpt.trainer.optimizer.max-grad-norm", "-1",
                "cpt.trainer.gradient-accumulation-steps", "0");
        var e = assertThrows(IllegalArgumentException.class, () -> TrainingRun.resumeOrStart(store, config(bad)));
        for (String message : List.of(
                "cpt.trainer.optimizer.beta2 must be in [0, 1), was 1.5",
                "cpt.trainer.optimizer.eps must be finite and > 0, was 0.0",
                "cpt.trainer.optimizer.max-grad-norm must be finite and >= 0 (0 turns clipping off), was -1.0",
                "cpt.trainer.gradient-accumulation-steps must be >= 1, was 0")) {
            assertTrue(e.getMessage().contains(message), e.getMessage());
        }
        for (var one : bad.entrySet()) {
            assertThrows(
                    IllegalArgumentException.class,
                    () -> OptimizerConfig.of(config(Map.of(one.getKey(), one.getValue()))),
                    one.getKey());
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> OptimizerConfig.of(config(Map.of("cpt.trainer.optimizer.weight-decay", "-0.1"))));
        assertThrows(
                IllegalArgumentException.class,
                () -> OptimizerConfig.of(config(Map.of("cpt.trainer.optimizer.beta1", "1"))));
    }
}

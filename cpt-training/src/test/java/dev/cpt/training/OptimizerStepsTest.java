package dev.cpt.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.SchedulePhase;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.model.DataParallel;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.ModelPreset;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.training.schedule.LearningRateSchedule;
import dev.cpt.training.schedule.PhaseClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OptimizerStepsTest {
    private static final long SEED = 11;
    // eps 1: the update scales with the gradient, so other gradients or settings would show in the weights
    private static final OptimizerSettings ADAMW = new OptimizerSettings(1e-3, 0, 0.9, 0.5, 1, 0);
    private static final LearningRateSchedule CONSTANT = new LearningRateSchedule.Constant(1e-3);

    private static TrainingBatch batch(int i, String domain, String fingerprint) {
        String text = domain + " batch " + i + ": the cat sat on the mat, " + "and the dog lay".substring(0, 5 + i);
        return new TrainingBatch(
                "b-" + i,
                0,
                64,
                List.of(new PackedSequence(domain, text.chars().toArray(), List.of("doc-" + i))),
                Map.of(domain, 1.0),
                Instant.now(),
                fingerprint);
    }

    private static TrainingBatch batch(int i, String domain) {
        return batch(i, domain, ByteTokenizer.FINGERPRINT);
    }

    private static LanguageModel model() {
        return LanguageModel.create(ModelPreset.tiny.decoderConfig(), SEED, Device.cpu());
    }

    private static OptimizerSteps steps(DataParallel replicas, int accumulationSteps, long step) {
        return new OptimizerSteps(
                replicas, ADAMW, accumulationSteps, new PhaseClock(true, SchedulePhase.initial()), step);
    }

    @Test
    void threeMicroBatchesAccumulateAndOneStepAppliesThem() {
        List<TrainingBatch> batches = List.of(batch(0, "prose"), batch(1, "code"), batch(2, "prose"));
        try (LanguageModel model = model();
                DataParallel replicas = DataParallel.over(model, List.of(Device.cpu()));
                LanguageModel expected = model()) {
            var before = model.weights();
            OptimizerSteps steps = steps(replicas, 3, 40);
            for (int i = 0; i < 2; i++) {
                assertTrue(steps.train(batches.get(i), CONSTANT).isEmpty(), "micro-batch " + i);
                assertEquals(i + 1, steps.pendingMicroBatches());
                assertEquals(40, steps.step());
                assertEquals(Map.of(), steps.tokensPerDomain());
                assertSameWeights(before, model, 0);
            }

            StepOutcome outcome = steps.train(batches.get(2), CONSTANT).orElseThrow();

            assertTrue(outcome.result().applied());
            assertEquals(41, steps.step());
            assertEquals(0, steps.pendingMicroBatches());
            assertEquals(3, outcome.microBatches().size());
            long prose = batches.get(0).sequences().get(0).tokens().length
                    + batches.get(2).sequences().get(0).tokens().length;
            long code = batches.get(1).sequences().get(0).tokens().length;
            assertEquals(Map.of("code", code, "prose", prose), outcome.tokensPerDomain());
            assertEquals(prose + code, outcome.tokens());
            assertEquals(outcome.tokensPerDomain(), steps.tokensPerDomain());
            assertEquals(Set.of("code", "prose"), outcome.lossPerDomain().keySet());
            assertEquals(1e-3, outcome.learningRate());
            assertEquals(1e-3, steps.lastLearningRate());

            // the weights are those of one step on the three micro-batches together
            expected.trainStep(batches.stream().map(OptimizerSteps::rowsOf).toList(), ADAMW);
            assertSameWeights(expected.weights(), model, 1e-7f);
        }
    }

    private static void assertSameWeights(Map<String, Tensor> want, LanguageModel model, float tolerance) {
        var got = model.weights();
        assertEquals(want.keySet(), got.keySet());
        for (String name : want.keySet()) {
            assertArrayEquals(want.get(name).data(), got.get(name).data(), tolerance, name);
        }
    }

    @Test
    void tokensAddUpOverAppliedStepsOnTopOfWhatTheRunHadTrained() {
        try (LanguageModel model = model();
                DataParallel replicas = DataParallel.over(model, List.of(Device.cpu()))) {
            var steps = new OptimizerSteps(
                    replicas, ADAMW, 1, new PhaseClock(true, SchedulePhase.initial()), 7, Map.of("prose", 1000L));
            long tokens = 0;
            for (int i = 0; i < 2; i++) {
                tokens += steps.train(batch(i, "prose"), CONSTANT).orElseThrow().tokens();
            }
            assertEquals(9, steps.step());
            assertEquals(Map.of("prose", 1000 + tokens), steps.tokensPerDomain());
        }
    }

    @Test
    void aBatchFromAnotherTokenizerIsRefusedBeforeAnyGradient() {
        try (LanguageModel model = model();
                DataParallel replicas = DataParallel.over(model, List.of(Device.cpu()))) {
            OptimizerSteps steps = steps(replicas, 2, 0);
            var refused = assertThrows(
                    BatchFit.Refused.class, () -> steps.train(batch(0, "prose", "another-tokenizer"), CONSTANT));
            assertEquals(BatchFit.TOKENIZER, refused.kind());
            assertEquals(0, steps.pendingMicroBatches());
            assertEquals(0, model.pendingMicroBatches());

            int[] tooLong = new int[ModelPreset.tiny.decoderConfig().contextLength() + 2];
            var shape = new TrainingBatch(
                    "long",
                    0,
                    128, // cut for a longer context than the model's
                    List.of(new PackedSequence("prose", tooLong, List.of())),
                    Map.of("prose", 1.0),
                    Instant.now(),
                    ByteTokenizer.FINGERPRINT);
            assertEquals(
                    BatchFit.SHAPE,
                    assertThrows(BatchFit.Refused.class, () -> steps.train(shape, CONSTANT))
                            .kind());
            assertEquals(0, model.pendingMicroBatches());
        }
    }

    @Test
    void aNewDomainOpensAPhaseThatReWarmsAtTheScaledRate() {
        var warmup = new LearningRateSchedule.CosineRewarm(1e-3, 0, 4, 100);
        try (LanguageModel model = model();
                DataParallel replicas = DataParallel.over(model, List.of(Device.cpu()))) {
            OptimizerSteps steps = steps(replicas, 1, 0);
            List<String> started = new ArrayList<>();
            steps.onPhaseStart(
                    (phase, domains) -> started.add(phase.phase() + "@" + phase.phaseStartStep() + " " + domains));
            steps.scaleLearningRate(0.5);
            List<Double> rates = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                rates.add(steps.train(batch(i, "prose"), warmup).orElseThrow().learningRate());
            }
            Optional<StepOutcome> law = steps.train(batch(3, "law"), warmup);

            List<Double> want = List.of(1.25e-4, 2.5e-4, 3.75e-4); // warmup: peak x (step + 1) / 4, halved
            for (int i = 0; i < want.size(); i++) {
                assertEquals(want.get(i), rates.get(i), 1e-15, "step " + i);
            }
            assertEquals(1.25e-4, law.orElseThrow().learningRate(), 1e-15); // the first warmup step again
            assertEquals(List.of("1@3 [law]"), started); // the step's own domains
            assertEquals(
                    new SchedulePhase(1, 3, -1, Set.of("law", "prose")),
                    steps.phases().state());
        }
    }
}

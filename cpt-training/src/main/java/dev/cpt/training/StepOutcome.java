package dev.cpt.training;

import dev.cpt.model.MicroBatchResult;
import dev.cpt.model.TrainStepResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What one optimizer step did: the model's step result (applied, or skipped on a non-finite gradient), its learning
 * rate, the loss and tokens of each domain over all its micro-batches, the micro-batches' own results in the order they
 * came, and the time spent training them (forward, backward and update; not the wait between micro-batches).
 */
public record StepOutcome(
        TrainStepResult result,
        double learningRate,
        Map<String, Double> lossPerDomain,
        Map<String, Long> tokensPerDomain,
        List<MicroBatchResult> microBatches,
        Duration trainingTime) {

    public long tokens() {
        return tokensPerDomain.values().stream().mapToLong(Long::longValue).sum();
    }
}

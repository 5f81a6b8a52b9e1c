package dev.cpt.trainer;

import static dev.cpt.contracts.metrics.Metrics.TRAINER_BATCHES_REFUSED;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_CHECKPOINTS;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_CHECKPOINTS_DELETED;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_CHECKPOINTS_KEPT;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_CHECKPOINT_BYTES;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_CHECKPOINT_WRITE;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_GRAD_NORM;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_LEARNING_RATE;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_LEARNING_RATE_SCALE;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_LOSS;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_ROLLBACKS;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_SKIPPED_STEPS;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_STEP;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_STEP_MICRO_BATCHES;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_STEP_TOKENS;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_TOKENS;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_TOKENS_PER_SECOND;

import dev.cpt.service.GaugeValues;
import dev.cpt.training.BatchFit;
import dev.cpt.training.StepOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;

/**
 * Per optimizer step: loss per domain, throughput, learning rate, gradient norm, tokens and micro-batches (batch
 * messages) in the step, steps taken and skipped; and batches refused, checkpoints written, and what checkpoint
 * retention deleted and kept.
 */
@ApplicationScoped
public class TrainerMetrics {
    private final MeterRegistry registry;
    private final GaugeValues gauges;

    TrainerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.gauges = new GaugeValues(registry);
    }

    /**
     * @param learningRateScale the run's current rollback scale (1.0 until a rollback lowers it), so the dashboard
     *     shows it and the skip and rollback counters at 0 before anything goes wrong, not only after
     */
    void step(String run, StepOutcome outcome, long step, double learningRateScale) {
        Tags runTag = Tags.of("run", run);
        registry.counter(TRAINER_ROLLBACKS.name(), runTag);
        gauges.set(TRAINER_LEARNING_RATE_SCALE, runTag, learningRateScale);
        gauges.set(TRAINER_STEP_MICRO_BATCHES, runTag, outcome.microBatches().size());
        gauges.set(TRAINER_STEP_TOKENS, runTag, outcome.tokens());
        Counter skipped = registry.counter(TRAINER_SKIPPED_STEPS.name(), runTag);
        if (!outcome.result().applied()) {
            skipped.increment();
            return;
        }
        outcome.lossPerDomain().forEach((domain, loss) -> gauges.set(TRAINER_LOSS, runTag.and("domain", domain), loss));
        outcome.tokensPerDomain()
                .forEach((domain, tokens) -> registry.counter(TRAINER_TOKENS.name(), runTag.and("domain", domain))
                        .increment(tokens));
        // training time only: the wait for the step's later batch messages is not the trainer's throughput
        double seconds = Math.max(1e-9, outcome.trainingTime().toNanos() / 1e9);
        gauges.set(TRAINER_TOKENS_PER_SECOND, runTag, outcome.tokens() / seconds);
        gauges.set(TRAINER_STEP, runTag, step);
        gauges.set(TRAINER_LEARNING_RATE, runTag, outcome.learningRate());
        gauges.set(TRAINER_GRAD_NORM, runTag, outcome.result().gradNorm());
    }

    /** The reason tag of a batch that is not a readable TrainingBatch (the others are {@link BatchFit}'s). */
    static final String UNREADABLE = "unreadable";

    /** A batch sent to the dead-letter topic instead of being trained; {@code reason} is a short tag. */
    void batchRefused(String run, String reason) {
        registry.counter(TRAINER_BATCHES_REFUSED.name(), "run", run, "reason", reason)
                .increment();
    }

    void rolledBack(String run, double learningRateScale) {
        registry.counter(TRAINER_ROLLBACKS.name(), "run", run).increment();
        gauges.set(TRAINER_LEARNING_RATE_SCALE, Tags.of("run", run), learningRateScale);
    }

    void checkpointWritten(String run, Duration took) {
        registry.counter(TRAINER_CHECKPOINTS.name(), "run", run).increment();
        Timer.builder(TRAINER_CHECKPOINT_WRITE.name())
                .tag("run", run)
                .register(registry)
                .record(took);
    }

    void checkpointDeleted(String run) {
        registry.counter(TRAINER_CHECKPOINTS_DELETED.name(), "run", run).increment();
    }

    /** After a retention pass: how many checkpoints each reason keeps, and the bytes of those left on disk. */
    void retained(String run, Map<RetentionRule.Reason, Integer> keptByReason, long bytes) {
        Tags runTag = Tags.of("run", run);
        registry.counter(TRAINER_CHECKPOINTS_DELETED.name(), runTag); // at 0 before the first deletion
        keptByReason.forEach((reason, n) -> gauges.set(TRAINER_CHECKPOINTS_KEPT, runTag.and("reason", reason.tag), n));
        gauges.set(TRAINER_CHECKPOINT_BYTES, runTag, bytes);
    }
}

package dev.cpt.trainer;

import dev.cpt.service.GaugeValues;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/** Loss per domain, throughput, learning rate, gradient norm, steps taken and skipped, checkpoints written. */
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
    void step(String run, TrainingRun.StepOutcome outcome, long step, double learningRateScale, Duration took) {
        Tags runTag = Tags.of("run", run);
        registry.counter("cpt.trainer.rollbacks", runTag);
        gauges.set("cpt.trainer.learning.rate.scale", runTag, learningRateScale);
        Counter skipped = registry.counter("cpt.trainer.skipped.steps", runTag);
        if (!outcome.result().applied()) {
            skipped.increment();
            return;
        }
        outcome.lossPerDomain()
                .forEach((domain, loss) -> gauges.set("cpt.trainer.loss", runTag.and("domain", domain), loss));
        outcome.tokensPerDomain()
                .forEach((domain, tokens) -> registry.counter("cpt.trainer.tokens", runTag.and("domain", domain))
                        .increment(tokens));
        long tokens = outcome.tokensPerDomain().values().stream()
                .mapToLong(Long::longValue)
                .sum();
        gauges.set("cpt.trainer.tokens.per.second", runTag, tokens / Math.max(1e-9, took.toNanos() / 1e9));
        gauges.set("cpt.trainer.step", runTag, step);
        gauges.set("cpt.trainer.learning.rate", runTag, outcome.learningRate());
        gauges.set("cpt.trainer.grad.norm", runTag, outcome.result().gradNorm());
    }

    void rolledBack(String run, double learningRateScale) {
        registry.counter("cpt.trainer.rollbacks", "run", run).increment();
        gauges.set("cpt.trainer.learning.rate.scale", Tags.of("run", run), learningRateScale);
    }

    void checkpointWritten(String run, Duration took) {
        registry.counter("cpt.trainer.checkpoints", "run", run).increment();
        Timer.builder("cpt.trainer.checkpoint.write")
                .tag("run", run)
                .register(registry)
                .record(took);
    }
}

package dev.cpt.trainer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Loss per domain, throughput, learning rate, gradient norm, steps taken and skipped, checkpoints written. */
@ApplicationScoped
public class TrainerMetrics {
    private final MeterRegistry registry;
    // Gauge state lives here; Micrometer holds gauge objects weakly.
    private final Map<String, Double> values = new ConcurrentHashMap<>();

    TrainerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void step(String run, TrainingRun.StepOutcome outcome, long step, Duration took) {
        Tags runTag = Tags.of("run", run);
        if (!outcome.result().applied()) {
            registry.counter("cpt.trainer.skipped.steps", runTag).increment();
            return;
        }
        outcome.lossPerDomain().forEach((domain, loss) -> gauge("cpt.trainer.loss", runTag.and("domain", domain), loss));
        outcome.tokensPerDomain().forEach((domain, tokens) ->
                registry.counter("cpt.trainer.tokens", runTag.and("domain", domain)).increment(tokens));
        long tokens = outcome.tokensPerDomain().values().stream().mapToLong(Long::longValue).sum();
        gauge("cpt.trainer.tokens.per.second", runTag, tokens / Math.max(1e-9, took.toNanos() / 1e9));
        gauge("cpt.trainer.step", runTag, step);
        gauge("cpt.trainer.learning.rate", runTag, outcome.learningRate());
        gauge("cpt.trainer.grad.norm", runTag, outcome.result().gradNorm());
    }

    void rolledBack(String run, double learningRateScale) {
        registry.counter("cpt.trainer.rollbacks", "run", run).increment();
        gauge("cpt.trainer.learning.rate.scale", Tags.of("run", run), learningRateScale);
    }

    void checkpointWritten(String run, Duration took) {
        registry.counter("cpt.trainer.checkpoints", "run", run).increment();
        Timer.builder("cpt.trainer.checkpoint.write").tag("run", run).register(registry).record(took);
    }

    private void gauge(String name, Tags tags, double value) {
        String key = name + tags;
        if (values.put(key, value) == null) {
            registry.gauge(name, tags, values, m -> m.getOrDefault(key, Double.NaN));
        }
    }
}

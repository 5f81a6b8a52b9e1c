package dev.cpt.eval;

import dev.cpt.contracts.EvalReport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Held-out loss, perplexity and forgetting (loss now minus the best loss so far) per run and domain. */
@ApplicationScoped
public class EvalMetrics {
    private final MeterRegistry registry;
    private final Map<String, Double> values = new ConcurrentHashMap<>();
    private final Map<String, Double> bestLoss = new ConcurrentHashMap<>();

    EvalMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void reported(EvalReport report) {
        registry.counter("cpt.eval.reports", "run", report.runId(), "outcome", report.failed() ? "error" : "ok").increment();
        report.domains().forEach((domain, score) -> {
            Tags tags = Tags.of("run", report.runId(), "domain", domain);
            double best = bestLoss.merge(report.runId() + "/" + domain, score.loss(), Math::min);
            gauge("cpt.eval.loss", tags, score.loss());
            gauge("cpt.eval.perplexity", tags, score.perplexity());
            gauge("cpt.eval.forgetting", tags, score.loss() - best);
        });
    }

    private void gauge(String name, Tags tags, double value) {
        String key = name + tags;
        if (values.put(key, value) == null) {
            registry.gauge(name, tags, values, m -> m.getOrDefault(key, Double.NaN));
        }
    }
}

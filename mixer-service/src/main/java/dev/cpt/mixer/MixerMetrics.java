package dev.cpt.mixer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Documents taken in, rounds emitted, the weights of the last round and what waits in each buffer. */
@ApplicationScoped
public class MixerMetrics {
    private final MeterRegistry registry;
    // Gauges read these maps; the registry holds them weakly, so they live as fields.
    private final Map<String, Double> weights = new ConcurrentHashMap<>();
    private final Map<String, Integer> buffered = new ConcurrentHashMap<>();

    MixerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void documentBuffered(String domain) {
        registry.counter("cpt.mixer.documents", "domain", domain).increment();
    }

    void roundEmitted(BatchMixer.Round round) {
        registry.counter("cpt.mixer.rounds", "policy", round.policy()).increment();
        registry.counter("cpt.mixer.batches").increment();
        weights.replaceAll((key, w) -> 0.0);
        round.weights().forEach((domain, w) -> {
            String key = round.policy() + "/" + domain;
            if (weights.put(key, w) == null) {
                registry.gauge("cpt.mixer.weight", Tags.of("domain", domain, "policy", round.policy()), weights,
                        m -> m.getOrDefault(key, 0.0));
            }
        });
    }

    void buffers(Map<String, Integer> tokensPerDomain) {
        tokensPerDomain.forEach((domain, tokens) -> {
            if (buffered.put(domain, tokens) == null) {
                registry.gauge("cpt.mixer.buffered.tokens", Tags.of("domain", domain), buffered,
                        m -> m.getOrDefault(domain, 0));
            }
        });
    }
}

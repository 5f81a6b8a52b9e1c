package dev.cpt.mixer;

import dev.cpt.service.GaugeValues;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/** Documents taken in, rounds emitted, the weights of the last round and what waits in each buffer. */
@ApplicationScoped
public class MixerMetrics {
    private final MeterRegistry registry;
    private final GaugeValues gauges;

    MixerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.gauges = new GaugeValues(registry);
    }

    void documentBuffered(String domain) {
        registry.counter("cpt.mixer.documents", "domain", domain).increment();
    }

    void roundEmitted(BatchMixer.Round round) {
        registry.counter("cpt.mixer.rounds", "policy", round.policy()).increment();
        registry.counter("cpt.mixer.batches").increment();
        // A domain the round did not weigh had weight 0 in it, not its weight of an earlier round.
        gauges.zeroAll("cpt.mixer.weight");
        round.weights().forEach((domain, w) ->
                gauges.set("cpt.mixer.weight", Tags.of("domain", domain, "policy", round.policy()), w));
    }

    void buffers(Map<String, Integer> tokensPerDomain) {
        tokensPerDomain.forEach((domain, tokens) ->
                gauges.set("cpt.mixer.buffered.tokens", Tags.of("domain", domain), tokens));
    }
}

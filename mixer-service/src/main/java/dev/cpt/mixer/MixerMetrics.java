package dev.cpt.mixer;

import dev.cpt.service.GaugeValues;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/**
 * Documents taken in; rounds, batches and tokens (fresh and replay) emitted; the weights and replay share of the
 * last round; policy fallbacks and reward; what waits in each fresh buffer and in each domain's replay sample.
 */
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

    /** A redelivered document that a committed round had already trained. */
    void documentSkipped(String domain) {
        registry.counter("cpt.mixer.documents.skipped", "domain", domain).increment();
    }

    void roundEmitted(BatchMixer.Round round) {
        registry.counter("cpt.mixer.rounds", "policy", round.policy()).increment();
        registry.counter("cpt.mixer.batches").increment(round.batches().size());
        round.freshTokens()
                .forEach((d, t) -> registry.counter("cpt.mixer.tokens", "domain", d, "kind", "fresh")
                        .increment(t));
        round.replayTokens()
                .forEach((d, t) -> registry.counter("cpt.mixer.tokens", "domain", d, "kind", "replay")
                        .increment(t));
        if (round.fallback()) {
            registry.counter("cpt.mixer.policy.fallbacks", "policy", round.policy())
                    .increment();
        }
        // A domain the round did not weigh had weight 0 in it, not its weight of an earlier round.
        gauges.zeroAll("cpt.mixer.weight");
        round.weights()
                .forEach((domain, w) ->
                        gauges.set("cpt.mixer.weight", Tags.of("domain", domain, "policy", round.policy()), w));
        gauges.set("cpt.mixer.replay.share", Tags.of("policy", round.policy()), round.replayShare());
        gauges.set("cpt.mixer.round", Tags.empty(), round.round());
    }

    void roundFailed() {
        registry.counter("cpt.mixer.rounds.failed").increment();
    }

    void buffers(Map<String, Integer> freshTokens, ReplayReservoir reservoir) {
        freshTokens.forEach(
                (domain, tokens) -> gauges.set("cpt.mixer.buffered.tokens", Tags.of("domain", domain), tokens));
        if (reservoir != null) {
            for (String domain : reservoir.domains()) {
                gauges.set("cpt.mixer.reservoir.tokens", Tags.of("domain", domain), reservoir.tokens(domain));
                gauges.set("cpt.mixer.reservoir.documents", Tags.of("domain", domain), reservoir.documents(domain));
            }
            gauges.set("cpt.mixer.reservoir.memory.tokens", Tags.empty(), reservoir.tokensInMemory());
        }
    }

    void feedback(boolean fresh) {
        registry.counter("cpt.mixer.feedback", "outcome", fresh ? "observed" : "repeated")
                .increment();
    }

    void reward(String policy, double reward) {
        gauges.set("cpt.mixer.policy.reward", Tags.of("policy", policy), reward);
    }
}

package dev.cpt.mixer;

import static dev.cpt.contracts.metrics.Metrics.MIXER_BATCHES;
import static dev.cpt.contracts.metrics.Metrics.MIXER_BUFFERED_TOKENS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_DOCUMENTS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_DOCUMENTS_REFUSED;
import static dev.cpt.contracts.metrics.Metrics.MIXER_DOCUMENTS_SKIPPED;
import static dev.cpt.contracts.metrics.Metrics.MIXER_FEEDBACK;
import static dev.cpt.contracts.metrics.Metrics.MIXER_POLICY_FALLBACKS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_POLICY_REWARD;
import static dev.cpt.contracts.metrics.Metrics.MIXER_REPLAY_SHARE;
import static dev.cpt.contracts.metrics.Metrics.MIXER_RESERVOIR_DOCUMENTS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_RESERVOIR_MEMORY_TOKENS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_RESERVOIR_TOKENS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_ROUND;
import static dev.cpt.contracts.metrics.Metrics.MIXER_ROUNDS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_ROUNDS_FAILED;
import static dev.cpt.contracts.metrics.Metrics.MIXER_TOKENS;
import static dev.cpt.contracts.metrics.Metrics.MIXER_WEIGHT;

import dev.cpt.mixing.rounds.BatchMixer;
import dev.cpt.mixing.rounds.ReplayReservoir;
import dev.cpt.service.GaugeValues;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/**
 * Documents taken in and refused; rounds, batches and tokens (fresh and replay) emitted; the weights and replay share of the
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
        registry.counter(MIXER_DOCUMENTS.name(), "domain", domain).increment();
    }

    /** The reason tag of a document cut by another tokenizer than the run's. */
    static final String REFUSED_TOKENIZER = "tokenizer";

    /** A document sent to the dead-letter topic instead of being mixed. */
    void documentRefused(String domain, String reason) {
        registry.counter(MIXER_DOCUMENTS_REFUSED.name(), "domain", domain, "reason", reason)
                .increment();
    }

    /** A redelivered document that a committed round had already trained. */
    void documentSkipped(String domain) {
        registry.counter(MIXER_DOCUMENTS_SKIPPED.name(), "domain", domain).increment();
    }

    void roundEmitted(BatchMixer.Round round) {
        registry.counter(MIXER_ROUNDS.name(), "policy", round.policy()).increment();
        registry.counter(MIXER_BATCHES.name()).increment(round.batches().size());
        round.freshTokens()
                .forEach((d, t) -> registry.counter(MIXER_TOKENS.name(), "domain", d, "kind", "fresh")
                        .increment(t));
        round.replayTokens()
                .forEach((d, t) -> registry.counter(MIXER_TOKENS.name(), "domain", d, "kind", "replay")
                        .increment(t));
        if (round.fallback()) {
            registry.counter(MIXER_POLICY_FALLBACKS.name(), "policy", round.policy())
                    .increment();
        }
        // A domain the round did not weigh had weight 0 in it, not its weight of an earlier round.
        gauges.zeroAll(MIXER_WEIGHT);
        round.weights()
                .forEach((domain, w) ->
                        gauges.set(MIXER_WEIGHT, Tags.of("domain", domain, "policy", round.policy()), w));
        gauges.set(MIXER_REPLAY_SHARE, Tags.of("policy", round.policy()), round.replayShare());
        gauges.set(MIXER_ROUND, Tags.empty(), round.round());
    }

    void roundFailed() {
        registry.counter(MIXER_ROUNDS_FAILED.name()).increment();
    }

    void buffers(Map<String, Integer> freshTokens, ReplayReservoir reservoir) {
        freshTokens.forEach((domain, tokens) -> gauges.set(MIXER_BUFFERED_TOKENS, Tags.of("domain", domain), tokens));
        if (reservoir != null) {
            for (String domain : reservoir.domains()) {
                gauges.set(MIXER_RESERVOIR_TOKENS, Tags.of("domain", domain), reservoir.tokens(domain));
                gauges.set(MIXER_RESERVOIR_DOCUMENTS, Tags.of("domain", domain), reservoir.documents(domain));
            }
            gauges.set(MIXER_RESERVOIR_MEMORY_TOKENS, Tags.empty(), reservoir.tokensInMemory());
        }
    }

    void feedback(boolean fresh) {
        registry.counter(MIXER_FEEDBACK.name(), "outcome", fresh ? "observed" : "repeated")
                .increment();
    }

    void reward(String policy, double reward) {
        gauges.set(MIXER_POLICY_REWARD, Tags.of("policy", policy), reward);
    }
}

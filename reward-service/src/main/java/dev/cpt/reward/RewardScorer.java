package dev.cpt.reward;

import dev.cpt.contracts.RewardRequest;
import dev.cpt.contracts.RewardResponse;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/** Scores one completion against its reference, after checking the input bounds, and counts what it scored. */
@ApplicationScoped
public class RewardScorer {
    private final RewardConfig config;
    private final MeterRegistry registry;
    private final DistributionSummary scores;

    RewardScorer(RewardConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
        this.scores = DistributionSummary.builder("cpt.reward.score")
                .description("Rewards given, each in [0, 1]")
                .register(registry);
    }

    public RewardResponse score(RewardRequest request, String channel) {
        double similarity = score(request.completion(), request.reference(), channel);
        return new RewardResponse(request.requestId(), request.groupId(), similarity, Map.of("similarity", similarity));
    }

    public double score(String completion, String reference, String channel) {
        checkLength("completion", completion);
        checkLength("reference", reference);
        double similarity = TextSimilarity.similarity(completion, reference);
        registry.counter("cpt.reward.requests", "channel", channel).increment();
        scores.record(similarity);
        return similarity;
    }

    private void checkLength(String field, String text) {
        if (text == null) {
            throw new IllegalArgumentException(field + " is missing");
        }
        if (text.length() > config.maxTextChars()) {
            throw new IllegalArgumentException(field + " is " + text.length() + " characters, the limit is " + config.maxTextChars());
        }
    }
}

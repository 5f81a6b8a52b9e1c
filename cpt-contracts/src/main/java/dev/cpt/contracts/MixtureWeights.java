package dev.cpt.contracts;

import java.time.Instant;
import java.util.Map;

/**
 * The domain weights a mixing policy chose for one round, for dashboards and audit. Published on {@link #TOPIC}
 * in the same Kafka transaction as the round's batches, so the last committed record names the last whole round.
 *
 * <p>{@code replayShare} is the share of the round's tokens drawn from the replay reservoir, {@code freshTokens} and
 * {@code replayTokens} the round's tokens per domain of each kind, {@code batches} how many batches the round holds,
 * and {@code fallback} whether the policy's weights were invalid and uniform weights replaced them. Absent in
 * messages written before they existed.
 */
public record MixtureWeights(
        long round,
        String policy,
        Map<String, Double> weights,
        Instant at,
        Double replayShare,
        Map<String, Long> freshTokens,
        Map<String, Long> replayTokens,
        Integer batches,
        Boolean fallback)
        implements Versioned {
    public static final String TOPIC = "cpt.mixture";

    public MixtureWeights {
        Require.nonNegative(round, "round");
        Require.nonBlank(policy, "policy");
        weights = Require.simplex(weights, "weights");
        Require.nonNull(at, "at");
        replayShare = replayShare == null ? 0.0 : replayShare;
        freshTokens = freshTokens == null ? Map.of() : Map.copyOf(freshTokens);
        replayTokens = replayTokens == null ? Map.of() : Map.copyOf(replayTokens);
        batches = batches == null ? 1 : batches;
        fallback = fallback != null && fallback;
    }

    /** Weights only (the shape every module used before replay existed). */
    public MixtureWeights(long round, String policy, Map<String, Double> weights, Instant at) {
        this(round, policy, weights, at, 0.0, null, null, 1, false);
    }
}

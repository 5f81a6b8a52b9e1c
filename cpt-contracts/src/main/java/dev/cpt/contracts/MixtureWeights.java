package dev.cpt.contracts;

import java.time.Instant;
import java.util.Map;

/** The domain weights a mixing policy chose for one round, for dashboards and audit. Published on {@link #TOPIC}. */
public record MixtureWeights(long round, String policy, Map<String, Double> weights, Instant at) {
    public static final String TOPIC = "cpt.mixture";

    public MixtureWeights {
        Require.nonNegative(round, "round");
        Require.nonBlank(policy, "policy");
        weights = Require.simplex(weights, "weights");
        Require.nonNull(at, "at");
    }
}

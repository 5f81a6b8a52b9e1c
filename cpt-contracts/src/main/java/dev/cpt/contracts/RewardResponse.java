package dev.cpt.contracts;

import java.util.Map;

/**
 * The reward for one {@link RewardRequest}: the total and each term apart. Published on {@link #TOPIC}, keyed by group.
 */
public record RewardResponse(String requestId, String groupId, double reward, Map<String, Double> terms)
        implements Versioned {
    public static final String TOPIC = "cpt.rewards";

    public RewardResponse {
        Require.nonBlank(requestId, "requestId");
        Require.nonBlank(groupId, "groupId");
        if (!Double.isFinite(reward)) {
            throw new IllegalArgumentException("reward is not finite: " + reward);
        }
        terms = Map.copyOf(Require.nonNull(terms, "terms"));
    }
}

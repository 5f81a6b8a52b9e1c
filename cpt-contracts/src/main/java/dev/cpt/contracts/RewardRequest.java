package dev.cpt.contracts;

import java.time.Instant;

/**
 * A request to score one generated completion against its reference. Published on {@link #TOPIC}, keyed by
 * the rollout group so that a group's requests stay together; answered on {@link RewardResponse#TOPIC}.
 */
public record RewardRequest(
        String requestId, String groupId, String prompt, String completion, String reference, Instant at)
        implements Versioned {
    public static final String TOPIC = "cpt.reward.requests";

    public RewardRequest {
        Require.nonBlank(requestId, "requestId");
        Require.nonBlank(groupId, "groupId");
        Require.nonNull(completion, "completion");
        Require.nonNull(reference, "reference");
        Require.nonNull(at, "at");
    }
}

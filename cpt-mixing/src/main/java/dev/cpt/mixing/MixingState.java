package dev.cpt.mixing;

import java.util.List;
import java.util.Map;

/**
 * What a policy sees when it chooses a round's weights.
 *
 * @param round the round about to be cut (0, 1, ...)
 * @param arrivalOrder every domain seen so far, in the order its first document arrived; the first is the
 *     upstream (general) domain, the last is the current target domain
 * @param availableTokens tokens that can be drawn now per domain: fresh buffer plus replay reservoir; only
 *     domains with at least one sequence's worth are present
 * @param freshTokens of those, tokens never trained on (the rest is replay)
 * @param trainedTokens tokens sent to training so far per domain, replay included
 * @param previousWeights the weights of the previous round (empty before the first)
 * @param feedback eval feedback so far, oldest first (possibly empty)
 */
public record MixingState(
        long round,
        List<String> arrivalOrder,
        Map<String, Long> availableTokens,
        Map<String, Long> freshTokens,
        Map<String, Long> trainedTokens,
        Map<String, Double> previousWeights,
        List<EvalFeedback> feedback) {

    public MixingState {
        arrivalOrder = List.copyOf(arrivalOrder);
        availableTokens = Map.copyOf(availableTokens);
        freshTokens = Map.copyOf(freshTokens);
        trainedTokens = Map.copyOf(trainedTokens);
        previousWeights = Map.copyOf(previousWeights);
        feedback = List.copyOf(feedback);
    }

    /** The domain that arrived last: the one continual pre-training is currently adapting to. */
    public String targetDomain() {
        return arrivalOrder.isEmpty() ? null : arrivalOrder.get(arrivalOrder.size() - 1);
    }
}

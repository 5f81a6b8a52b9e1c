package dev.cpt.mixing;

import java.util.Map;

/**
 * Chooses the next mixing round's domain weights. The mixer calls {@link #weights} once per round and
 * {@link #observe} whenever eval reports on a new checkpoint; policies that learn online keep their state
 * inside, and are deterministic given their configuration (seeded randomness only).
 */
public interface MixingPolicy {
    /** The name that selects this policy in config and tags its metrics. */
    String name();

    /** What a log line says the mixer runs: the name, and what else tells this instance apart. */
    default String description() {
        return name();
    }

    /**
     * @return weights on the simplex (non-negative, summing to 1) over a subset of
     *     {@code state.availableTokens()}'s domains; a domain with no tokens available never gets weight
     */
    Map<String, Double> weights(MixingState state);

    /** Eval measured a checkpoint. Called in step order; the default ignores it. */
    default void observe(EvalFeedback feedback) {}
}

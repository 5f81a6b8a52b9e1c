package dev.cpt.mixing.proxy;

import dev.cpt.mixing.MixingPolicy;

/** A policy that samples its slot logits and can say which it used: its rounds are actions the agent learns from. */
public interface Exploring {
    /** The slot logits of the last round. */
    double[] lastLogits();

    /** The logits {@code policy} sampled last round, or null for a policy that does not explore (no action logged). */
    static double[] logitsOf(MixingPolicy policy) {
        return policy instanceof Exploring exploring ? exploring.lastLogits() : null;
    }
}

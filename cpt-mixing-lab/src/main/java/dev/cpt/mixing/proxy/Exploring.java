package dev.cpt.mixing.proxy;

/** A policy that samples its slot logits and can say which it used: its rounds are actions the agent learns from. */
public interface Exploring {
    /** The slot logits of the last round. */
    double[] lastLogits();
}

package dev.cpt.contracts;

/**
 * Held-out loss of one checkpoint on one domain: mean token cross-entropy (nats), its perplexity, and how many tokens.
 */
public record DomainScore(double loss, double perplexity, long tokens) {}

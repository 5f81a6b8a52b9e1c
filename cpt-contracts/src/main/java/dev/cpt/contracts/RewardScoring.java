package dev.cpt.contracts;

import java.util.List;
import java.util.Map;

/** The reward service's {@code POST /score}: a batch of pairs in, one reward per pair out, in the same order. */
public final class RewardScoring {
    public static final String PATH = "/score";

    private RewardScoring() {}

    /** A completion and the reference it is scored against. */
    public record Pair(String completion, String reference) {}

    public record Request(List<Pair> pairs) implements Versioned {}

    /** {@code rewards[i]} is the reward of pair i; {@code terms[i]} the terms it is made of, by name. */
    public record Reply(List<Double> rewards, List<Map<String, Double>> terms) implements Versioned {}
}

package dev.cpt.mixing.proxy;

import dev.cpt.mixing.Apportionment;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Weights to whole sequence counts per round, carrying each domain's fraction of a sequence into the next round.
 *
 * <p>Why carry: a proxy round is 40 sequences, so rounding each round on its own made nearby ratios train on the same
 * counts (static replay 0.74, 0.75 and 0.76 were the same run), and the static replay line a step function. With the
 * carry, a run's counts stay within one sequence of its weights' exact shares.
 */
final class Allocation {
    private final Map<String, Double> owed = new TreeMap<>();

    /** The round's counts, summing to {@code total}, as {@link Apportionment} makes them from the weights and the carry. */
    Map<String, Integer> counts(Map<String, Double> weights, int total) {
        // what is owed sums to zero over the domains that had weight; when that set changes (a domain arrives or
        // drops out) start afresh rather than hand one domain's debt to another
        Set<String> weighted = new TreeSet<>();
        weights.forEach((d, w) -> {
            if (w > 0) {
                weighted.add(d);
            }
        });
        if (!owed.keySet().equals(weighted)) {
            owed.clear();
        }
        // a proxy round may draw any number of sequences from a domain
        Map<String, Integer> unlimited = new TreeMap<>();
        weighted.forEach(d -> unlimited.put(d, Integer.MAX_VALUE));
        Map<String, Integer> counts = new TreeMap<>(Apportionment.counts(weights, owed, unlimited, total));
        weights.keySet().forEach(d -> counts.putIfAbsent(d, 0));
        for (String d : weighted) {
            owed.merge(d, weights.get(d) * total - counts.getOrDefault(d, 0), Double::sum);
        }
        return counts;
    }
}

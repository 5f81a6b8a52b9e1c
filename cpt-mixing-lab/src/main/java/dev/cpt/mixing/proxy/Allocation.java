package dev.cpt.mixing.proxy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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

    /** The round's counts, summing to {@code total}: floors of what is owed first, then the largest remainders. */
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
        Map<String, Integer> counts = new TreeMap<>();
        List<Map.Entry<String, Double>> remainders = new ArrayList<>();
        int assigned = 0;
        for (var e : new TreeMap<>(weights).entrySet()) {
            if (!(e.getValue() > 0)) {
                counts.put(e.getKey(), 0);
                continue;
            }
            double exact = owed.getOrDefault(e.getKey(), 0.0) + e.getValue() * total;
            int whole = Math.max(0, (int) Math.floor(exact));
            counts.put(e.getKey(), whole);
            assigned += whole;
            remainders.add(Map.entry(e.getKey(), exact - whole));
        }
        remainders.sort(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()));
        for (int i = 0; assigned < total && !remainders.isEmpty(); i = (i + 1) % remainders.size()) {
            counts.merge(remainders.get(i).getKey(), 1, Integer::sum);
            assigned++;
        }
        for (var e : weights.entrySet()) {
            if (e.getValue() > 0) {
                owed.merge(e.getKey(), e.getValue() * total - counts.get(e.getKey()), Double::sum);
            }
        }
        return counts;
    }
}

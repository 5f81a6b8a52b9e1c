package dev.cpt.mixing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns weights into whole sequence counts per domain that sum to the round size, never more than a domain has.
 * A domain with weight 0 gets nothing; when a weighted domain runs short, its share goes to the other weighted
 * domains, and the round is smaller only when all of them are exhausted.
 */
public final class Apportionment {
    private Apportionment() {}

    /**
     * @param owed what earlier rounds owe each domain (its exact share minus what it got, in sequences), added to this
     *     round's share so that over many rounds each domain gets its weight's share within about one sequence
     */
    public static Map<String, Integer> counts(
            Map<String, Double> weights, Map<String, Double> owed, Map<String, Integer> available, int size) {
        Map<String, Double> shares = new TreeMap<>();
        double total = 0;
        for (var e : weights.entrySet()) {
            if (e.getValue() > 0) {
                double share = Math.max(0, e.getValue() * size + owed.getOrDefault(e.getKey(), 0.0));
                shares.put(e.getKey(), share);
                total += share;
            }
        }
        if (total > size + 1e-9) {
            // debts of domains that had weight before and have none now are dropped, so the rest may sum past the
            // round; scale down rather than let the floors alone fill more than a round
            double scale = size / total;
            shares.replaceAll((d, v) -> v * scale);
        }
        Map<String, Integer> counts = new TreeMap<>();
        List<Map.Entry<String, Double>> remainders = new ArrayList<>();
        int assigned = 0;
        for (var e : shares.entrySet()) {
            double exact = e.getValue();
            int whole = Math.min((int) Math.floor(exact), available.getOrDefault(e.getKey(), 0));
            counts.put(e.getKey(), whole);
            assigned += whole;
            remainders.add(Map.entry(e.getKey(), exact - whole));
        }
        // Largest remainder first; then round-robin over the weighted domains that still have sequences.
        remainders.sort(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()));
        List<String> order = remainders.stream().map(Map.Entry::getKey).toList();
        boolean progress = true;
        while (assigned < size && progress) {
            progress = false;
            for (String d : order) {
                if (assigned < size && counts.getOrDefault(d, 0) < available.getOrDefault(d, 0)) {
                    counts.merge(d, 1, Integer::sum);
                    assigned++;
                    progress = true;
                }
            }
        }
        counts.values().removeIf(c -> c == 0);
        return counts;
    }
}

package dev.cpt.mixer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Turns weights into whole sequence counts per domain that sum to the batch size, never more than a domain has. */
final class Allocation {
    private Allocation() {}

    static Map<String, Integer> counts(Map<String, Double> weights, Map<String, Integer> available, int batchSize) {
        int total = Math.min(batchSize, available.values().stream().mapToInt(Integer::intValue).sum());
        Map<String, Integer> counts = new TreeMap<>();
        List<Map.Entry<String, Double>> remainders = new ArrayList<>();
        int assigned = 0;
        for (var e : new TreeMap<>(weights).entrySet()) {
            double exact = e.getValue() * total;
            int whole = Math.min((int) Math.floor(exact), available.getOrDefault(e.getKey(), 0));
            counts.put(e.getKey(), whole);
            assigned += whole;
            remainders.add(Map.entry(e.getKey(), exact - whole));
        }
        // Largest remainder first, then any domain that still has sequences, so a short domain never stalls a batch.
        remainders.sort(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()));
        List<String> order = new ArrayList<>(remainders.stream().map(Map.Entry::getKey).toList());
        new TreeMap<>(available).keySet().stream().filter(d -> !order.contains(d)).forEach(order::add);
        boolean progress = true;
        while (assigned < total && progress) {
            progress = false;
            for (String d : order) {
                if (assigned < total && counts.getOrDefault(d, 0) < available.getOrDefault(d, 0)) {
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

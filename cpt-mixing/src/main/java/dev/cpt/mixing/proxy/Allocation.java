package dev.cpt.mixing.proxy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Weights to whole sequence counts that sum to the total: floors first, then the largest remainders. */
final class Allocation {
    private Allocation() {}

    static Map<String, Integer> counts(Map<String, Double> weights, int total) {
        Map<String, Integer> counts = new TreeMap<>();
        List<Map.Entry<String, Double>> remainders = new ArrayList<>();
        int assigned = 0;
        for (var e : new TreeMap<>(weights).entrySet()) {
            double exact = e.getValue() * total;
            int whole = (int) Math.floor(exact);
            counts.put(e.getKey(), whole);
            assigned += whole;
            remainders.add(Map.entry(e.getKey(), exact - whole));
        }
        remainders.sort(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()));
        for (int i = 0; assigned < total && !remainders.isEmpty(); i = (i + 1) % remainders.size()) {
            counts.merge(remainders.get(i).getKey(), 1, Integer::sum);
            assigned++;
        }
        return counts;
    }
}

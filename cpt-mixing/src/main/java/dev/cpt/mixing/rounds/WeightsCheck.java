package dev.cpt.mixing.rounds;

import dev.cpt.mixing.Simplex;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Guards the simplex: a policy's weights are used only if they are finite, non-negative, sum to 1 and fall on
 * domains that have data; otherwise the round falls back to uniform weights over the domains with data, and says so.
 */
final class WeightsCheck {
    static final double TOLERANCE = 1e-6;

    /**
     * The weights a round uses (zero weights dropped, renormalised), and why the policy's were refused, if they were.
     */
    record Checked(Map<String, Double> weights, String refusal) {
        boolean fallback() {
            return refusal != null;
        }
    }

    private WeightsCheck() {}

    static Checked check(Map<String, Double> proposed, Set<String> available) {
        String refusal = refusal(proposed, available);
        if (refusal != null) {
            return new Checked(Simplex.uniform(new TreeSet<>(available)), refusal);
        }
        double sum = proposed.values().stream().mapToDouble(Double::doubleValue).sum();
        Map<String, Double> weights = new TreeMap<>();
        proposed.forEach((d, w) -> {
            if (w > 0) {
                weights.put(d, w / sum);
            }
        });
        return new Checked(weights, null);
    }

    private static String refusal(Map<String, Double> proposed, Set<String> available) {
        if (proposed == null || proposed.isEmpty()) {
            return "no weights";
        }
        double sum = 0;
        for (var e : proposed.entrySet()) {
            Double w = e.getValue();
            if (w == null || !Double.isFinite(w) || w < 0) {
                return "weight of " + e.getKey() + " is " + w;
            }
            if (w > 0 && !available.contains(e.getKey())) {
                return "weight " + w + " on " + e.getKey() + ", which has no data";
            }
            sum += w;
        }
        if (Math.abs(sum - 1.0) > TOLERANCE) {
            return "weights sum to " + sum;
        }
        return null;
    }
}

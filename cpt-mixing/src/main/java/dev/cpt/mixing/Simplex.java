package dev.cpt.mixing;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Weights on the probability simplex over the domains that have data: the one output rule every policy obeys. */
public final class Simplex {
    /** Tolerance of {@link #isOnSimplex}: sums of a few doubles drift by ulps. */
    public static final double EPSILON = 1e-9;

    private Simplex() {}

    /**
     * Keeps only the allowed domains, turns negative or non-finite entries into 0 and rescales to sum 1; if nothing is
     * left, every allowed domain gets the same share. Zero entries are dropped.
     */
    public static Map<String, Double> restrict(Map<String, Double> raw, Set<String> allowed) {
        Map<String, Double> kept = new TreeMap<>();
        double total = 0;
        for (Map.Entry<String, Double> e : raw.entrySet()) {
            double v = e.getValue() == null ? 0 : e.getValue();
            if (allowed.contains(e.getKey()) && Double.isFinite(v) && v > 0) {
                kept.put(e.getKey(), v);
                total += v;
            }
        }
        if (kept.isEmpty() || !(total > 0) || !Double.isFinite(total)) {
            return uniform(allowed);
        }
        double sum = total;
        kept.replaceAll((d, v) -> v / sum);
        return kept;
    }

    /** The same share for each domain (empty for none). */
    public static Map<String, Double> uniform(Collection<String> domains) {
        Map<String, Double> w = new TreeMap<>();
        for (String d : domains) {
            w.put(d, 1.0 / domains.size());
        }
        return w;
    }

    /** Whether the weights are non-negative, finite, sum to 1 and name only allowed domains. */
    public static boolean isOnSimplex(Map<String, Double> weights, Set<String> allowed) {
        double total = 0;
        for (Map.Entry<String, Double> e : weights.entrySet()) {
            double v = e.getValue();
            if (!allowed.contains(e.getKey()) || !Double.isFinite(v) || v < 0) {
                return false;
            }
            total += v;
        }
        return !weights.isEmpty() && Math.abs(total - 1) < EPSILON;
    }

    /** Softmax of logits, shifted by their maximum so large values cannot overflow. */
    public static double[] softmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double z : logits) {
            max = Math.max(max, z);
        }
        double[] out = new double[logits.length];
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            out[i] = Math.exp(logits[i] - max);
            total += out[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= total;
        }
        return out;
    }
}

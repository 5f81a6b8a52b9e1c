package dev.cpt.contracts;

import java.util.Collection;
import java.util.Map;

/** Field checks for message records: a bad message fails while it is read, with a reason a human can act on. */
final class Require {
    private Require() {}

    static String nonBlank(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is missing or blank");
        }
        return value;
    }

    static <T> T nonNull(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + " is missing");
        }
        return value;
    }

    static <T extends Collection<?>> T nonEmpty(T value, String field) {
        if (nonNull(value, field).isEmpty()) {
            throw new IllegalArgumentException(field + " is empty");
        }
        return value;
    }

    static long nonNegative(long value, String field) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " is negative: " + value);
        }
        return value;
    }

    static int positive(int value, String field) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, was " + value);
        }
        return value;
    }

    static Map<String, Double> simplex(Map<String, Double> weights, String field) {
        nonNull(weights, field);
        double sum = 0;
        for (var e : weights.entrySet()) {
            double w = e.getValue() == null ? Double.NaN : e.getValue();
            if (!(w >= 0 && w <= 1)) {
                throw new IllegalArgumentException(field + "[" + e.getKey() + "] is not in [0, 1]: " + e.getValue());
            }
            sum += w;
        }
        if (!weights.isEmpty() && Math.abs(sum - 1.0) > 1e-6) {
            throw new IllegalArgumentException(field + " must sum to 1, sums to " + sum);
        }
        return Map.copyOf(weights);
    }
}

package dev.cpt.launcher;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Per-domain (or per-topic) figures on one line, in key order: {@code general 0.500, python 0.500}. */
final class KeyValues {
    private KeyValues() {}

    static <V> String joined(Map<String, V> values, Function<V, String> format) {
        return values.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + " " + format.apply(e.getValue()))
                .collect(Collectors.joining(", "));
    }

    static String counts(Map<String, Long> values) {
        return joined(values, v -> String.format(Locale.ROOT, "%,d", v));
    }

    static String threeDecimals(Map<String, Double> values) {
        return joined(values, v -> String.format(Locale.ROOT, "%.3f", v));
    }
}

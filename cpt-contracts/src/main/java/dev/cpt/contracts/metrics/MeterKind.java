package dev.cpt.contracts.metrics;

import java.util.List;

/**
 * The kind of a Micrometer meter, and so the series Micrometer's Prometheus registry (the simpleclient one Quarkus
 * ships) exports for it. Timers record seconds, which the registry appends to the name as the base unit.
 */
public enum MeterKind {
    COUNTER("", List.of("_total")),
    GAUGE("", List.of("")),
    TIMER("_seconds", List.of("_count", "_sum", "_max")),
    /** A distribution summary without buckets. */
    SUMMARY("", List.of("_count", "_sum", "_max")),
    /** A distribution summary with service-level objectives, which the registry exports as histogram buckets. */
    HISTOGRAM("", List.of("_bucket", "_count", "_sum", "_max"));

    private final String baseUnit;
    private final List<String> suffixes;

    MeterKind(String baseUnit, List<String> suffixes) {
        this.baseUnit = baseUnit;
        this.suffixes = suffixes;
    }

    /** What the registry appends to the converted name before any suffix, such as {@code _seconds}. */
    String baseUnit() {
        return baseUnit;
    }

    /** The suffix of each series exported per meter, such as {@code _total} or {@code _count}. */
    List<String> suffixes() {
        return suffixes;
    }
}

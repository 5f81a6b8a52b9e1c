package dev.cpt.contracts.metrics;

import java.util.List;
import java.util.Objects;

/**
 * One meter a service registers: the name it is registered under in Micrometer and its kind, and from these the names
 * of the series Prometheus scrapes. Tags are not part of it: each service chooses them where it records.
 */
public record Metric(String name, MeterKind kind) {

    public Metric {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        if (!name.matches("[a-z][a-z0-9]*(\\.[a-z0-9]+)*")) {
            throw new IllegalArgumentException("not a dotted lower-case meter name: " + name);
        }
    }

    static Metric counter(String name) {
        return new Metric(name, MeterKind.COUNTER);
    }

    static Metric gauge(String name) {
        return new Metric(name, MeterKind.GAUGE);
    }

    static Metric timer(String name) {
        return new Metric(name, MeterKind.TIMER);
    }

    static Metric summary(String name) {
        return new Metric(name, MeterKind.SUMMARY);
    }

    static Metric histogram(String name) {
        return new Metric(name, MeterKind.HISTOGRAM);
    }

    /** Every series name Prometheus scrapes of this meter, such as {@code cpt_reward_latency_seconds_count}. */
    public List<String> prometheusNames() {
        return kind.suffixes().stream().map(this::series).toList();
    }

    /** The one series of a counter ({@code _total}) or a gauge (the plain name). */
    public String prometheusName() {
        if (kind != MeterKind.COUNTER && kind != MeterKind.GAUGE) {
            throw new IllegalStateException(name + " is a " + kind + ": name its count, sum, max or bucket series");
        }
        return series(kind.suffixes().get(0));
    }

    public String count() {
        return series("_count");
    }

    public String sum() {
        return series("_sum");
    }

    public String max() {
        return series("_max");
    }

    public String bucket() {
        return series("_bucket");
    }

    private String series(String suffix) {
        if (!kind.suffixes().contains(suffix)) {
            throw new IllegalStateException(name + " is a " + kind + ", which exports no " + suffix + " series");
        }
        return name.replace('.', '_') + kind.baseUnit() + suffix;
    }
}

package dev.cpt.service;

import dev.cpt.contracts.metrics.MeterKind;
import dev.cpt.contracts.metrics.Metric;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gauges whose value a service sets, rather than one it can compute on a scrape: each (metric, tags) is registered
 * once, under the metric's name, and then reads the last value set. Only {@link MeterKind#GAUGE} metrics are taken.
 * Micrometer holds gauge state weakly, so the values live here, held by the service's metrics bean.
 */
public final class GaugeValues {
    private final MeterRegistry registry;
    private final Map<String, Map<Tags, Double>> byName = new ConcurrentHashMap<>();

    public GaugeValues(MeterRegistry registry) {
        this.registry = registry;
    }

    public void set(Metric gauge, Tags tags, double value) {
        String name = nameOf(gauge);
        Map<Tags, Double> values = byName.computeIfAbsent(name, n -> new ConcurrentHashMap<>());
        if (values.put(tags, value) == null) {
            registry.gauge(name, tags, values, m -> m.getOrDefault(tags, Double.NaN));
        }
    }

    /** Sets every gauge of this metric to zero, for example the weight of each domain before a round sets its own. */
    public void zeroAll(Metric gauge) {
        Map<Tags, Double> values = byName.get(nameOf(gauge));
        if (values != null) {
            values.replaceAll((tags, value) -> 0.0);
        }
    }

    private static String nameOf(Metric gauge) {
        if (gauge.kind() != MeterKind.GAUGE) {
            throw new IllegalArgumentException(gauge.name() + " is a " + gauge.kind() + ", not a gauge");
        }
        return gauge.name();
    }
}

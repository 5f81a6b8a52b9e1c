package dev.cpt.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gauges whose value a service sets, rather than one it can compute on a scrape: each (name, tags) is registered
 * once and then reads the last value set. Micrometer holds gauge state weakly, so the values live here, held by the
 * service's metrics bean.
 */
public final class GaugeValues {
    private final MeterRegistry registry;
    private final Map<String, Map<Tags, Double>> byName = new ConcurrentHashMap<>();

    public GaugeValues(MeterRegistry registry) {
        this.registry = registry;
    }

    public void set(String name, Tags tags, double value) {
        Map<Tags, Double> values = byName.computeIfAbsent(name, n -> new ConcurrentHashMap<>());
        if (values.put(tags, value) == null) {
            registry.gauge(name, tags, values, m -> m.getOrDefault(tags, Double.NaN));
        }
    }

    /** Sets every gauge of this name to zero, for example the weight of each domain before a round sets its own. */
    public void zeroAll(String name) {
        Map<Tags, Double> values = byName.get(name);
        if (values != null) {
            values.replaceAll((tags, value) -> 0.0);
        }
    }
}

package dev.cpt.contracts.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Each meter registered in the Prometheus registry the services use, under its kind, and scraped: the series names
 * must be exactly those {@link Metric#prometheusNames()} promises, so tests and dashboards that rely on them are right.
 */
class PrometheusExportTest {

    @Test
    void everyMetricIsScrapedUnderItsPrometheusNames() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        for (Metric m : Metrics.ALL) {
            register(registry, m);
        }

        Set<String> scraped = registry.scrape()
                .lines()
                .filter(l -> !l.startsWith("#") && !l.isBlank())
                .map(l -> l.split("[{ ]", 2)[0])
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> promised = Metrics.ALL.stream()
                .flatMap(m -> m.prometheusNames().stream())
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(promised, scraped);
    }

    private static void register(MeterRegistry registry, Metric m) {
        switch (m.kind()) {
            case COUNTER -> Counter.builder(m.name()).register(registry).increment();
            case GAUGE -> Gauge.builder(m.name(), () -> 1.0).register(registry);
            case TIMER -> Timer.builder(m.name()).register(registry).record(Duration.ofMillis(3));
            case SUMMARY ->
                DistributionSummary.builder(m.name()).register(registry).record(0.5);
            case HISTOGRAM ->
                DistributionSummary.builder(m.name())
                        .serviceLevelObjectives(0.5, 1.0)
                        .register(registry)
                        .record(0.5);
        }
    }
}

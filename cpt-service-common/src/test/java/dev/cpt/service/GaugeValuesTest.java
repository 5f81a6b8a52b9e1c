package dev.cpt.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cpt.contracts.metrics.MeterKind;
import dev.cpt.contracts.metrics.Metric;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class GaugeValuesTest {
    private static final Metric WEIGHT = new Metric("cpt.test.weight", MeterKind.GAUGE);
    private static final Metric LOSS = new Metric("cpt.test.loss", MeterKind.GAUGE);

    @Test
    void aGaugeReadsTheLastValueSetAndZeroAllResetsOnlyItsName() {
        var registry = new SimpleMeterRegistry();
        var gauges = new GaugeValues(registry);
        gauges.zeroAll(WEIGHT); // nothing registered yet: nothing to do
        gauges.set(WEIGHT, Tags.of("domain", "law"), 0.7);
        gauges.set(WEIGHT, Tags.of("domain", "med"), 0.3);
        gauges.set(LOSS, Tags.of("domain", "law"), 2.5);
        gauges.set(WEIGHT, Tags.of("domain", "law"), 0.6);

        assertEquals(
                0.6,
                registry.get("cpt.test.weight").tag("domain", "law").gauge().value(),
                0.0);
        assertEquals(2, registry.get("cpt.test.weight").gauges().size());

        gauges.zeroAll(WEIGHT);
        assertEquals(
                0.0,
                registry.get("cpt.test.weight").tag("domain", "med").gauge().value(),
                0.0);
        assertEquals(2.5, registry.get("cpt.test.loss").gauge().value(), 0.0);
    }

    @Test
    void aMetricOfAnotherKindIsRefused() {
        var registry = new SimpleMeterRegistry();
        var gauges = new GaugeValues(registry);
        Metric counter = new Metric("cpt.test.count", MeterKind.COUNTER);

        assertThrows(IllegalArgumentException.class, () -> gauges.set(counter, Tags.empty(), 1));
        assertThrows(IllegalArgumentException.class, () -> gauges.zeroAll(counter));
        assertEquals(0, registry.getMeters().size());
    }
}

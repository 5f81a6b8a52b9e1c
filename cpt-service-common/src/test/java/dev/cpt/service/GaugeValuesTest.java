package dev.cpt.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class GaugeValuesTest {

    @Test
    void aGaugeReadsTheLastValueSetAndZeroAllResetsOnlyItsName() {
        var registry = new SimpleMeterRegistry();
        var gauges = new GaugeValues(registry);
        gauges.zeroAll("cpt.test.weight"); // nothing registered yet: nothing to do
        gauges.set("cpt.test.weight", Tags.of("domain", "law"), 0.7);
        gauges.set("cpt.test.weight", Tags.of("domain", "med"), 0.3);
        gauges.set("cpt.test.loss", Tags.of("domain", "law"), 2.5);
        gauges.set("cpt.test.weight", Tags.of("domain", "law"), 0.6);

        assertEquals(
                0.6,
                registry.get("cpt.test.weight").tag("domain", "law").gauge().value(),
                0.0);
        assertEquals(2, registry.get("cpt.test.weight").gauges().size());

        gauges.zeroAll("cpt.test.weight");
        assertEquals(
                0.0,
                registry.get("cpt.test.weight").tag("domain", "med").gauge().value(),
                0.0);
        assertEquals(2.5, registry.get("cpt.test.loss").gauge().value(), 0.0);
    }
}

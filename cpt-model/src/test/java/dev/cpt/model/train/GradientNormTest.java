package dev.cpt.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class GradientNormTest {

    @Test
    void clipFactorScalesANormAboveTheLimitDownToIt() {
        assertEquals(1.0 / (4.0 + 1e-6), GradientNorm.clipFactor(4.0, 1.0));
        assertEquals(1.0, GradientNorm.clipFactor(4.0, 1.0) * (4.0 + 1e-6), 1e-12);
    }

    @Test
    void clipFactorLeavesNormsWithinTheLimitAndDisabledClippingAlone() {
        assertEquals(1.0, GradientNorm.clipFactor(0.5, 1.0));
        assertEquals(1.0, GradientNorm.clipFactor(1.0, 1.0));
        assertEquals(1.0, GradientNorm.clipFactor(1e9, 0.0));
        assertEquals(1.0, GradientNorm.clipFactor(1e9, -1.0));
    }
}

package dev.cpt.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SeedStatsTest {
    @Test
    void tIntervalOfFiveSeeds() {
        // mean 3, sample sd sqrt(2.5), t(0.975, 4) = 2.776: half-width 2.776 * sqrt(2.5 / 5)
        SeedStats.Interval i = SeedStats.interval(new double[] {1, 2, 3, 4, 5});

        assertEquals(3.0, i.mean(), 1e-12);
        assertEquals(3.0 - 2.776 * Math.sqrt(0.5), i.low(), 1e-9);
        assertEquals(3.0 + 2.776 * Math.sqrt(0.5), i.high(), 1e-9);
        assertEquals(5, i.n());
        assertTrue(i.excludesZero());
    }

    @Test
    void anIntervalAcrossZeroShowsNoDifferenceAndNaNSeedsAreLeftOut() {
        SeedStats.Interval i = SeedStats.interval(new double[] {-1, Double.NaN, 1.5});

        assertEquals(2, i.n());
        assertEquals(0.25, i.mean(), 1e-12);
        assertFalse(i.excludesZero());
        assertTrue(Double.isNaN(SeedStats.interval(new double[] {0.4}).low()));
    }

    @Test
    void measureAtAGainIsInterpolatedOnTheFirstSegmentThatReachesIt() {
        double[] gains = {0.02, 0.06, 0.04};
        double[] losses = {0.01, 0.05, 0.00};

        // from the base (0, 0) to (0.02, 0.01): half way
        assertEquals(0.005, SeedStats.atGain(gains, losses, 0.01), 1e-12);
        // between (0.02, 0.01) and (0.06, 0.05), a quarter of the way; the later drop to 0.04 does not count
        assertEquals(0.02, SeedStats.atGain(gains, losses, 0.03), 1e-12);
        assertTrue(Double.isNaN(SeedStats.atGain(gains, losses, 0.07)));
        assertTrue(Double.isNaN(SeedStats.atGain(gains, losses, 0)));
    }

    @Test
    void theGainBothReachIsTheSmallerPeak() {
        assertEquals(0.03, SeedStats.reachedByBoth(new double[] {0.01, 0.05}, new double[] {0.03, 0.02}), 1e-12);
        assertTrue(SeedStats.reachedByBoth(new double[] {0.01, 0.05}, new double[] {-0.01, -0.02}) <= 0);
    }
}

package dev.cpt.trainer.bench;

import java.util.Arrays;

/**
 * The arithmetic of a benchmark over seeds: the mean with its 95% t-interval, and the value of a measure at a given
 * reward gain read off a run's path of (reward gain, measure) points.
 */
final class SeedStats {
    /** t(0.975, df) for df = 1..30; above 30 the normal 1.96 (at most 2% narrower than t). */
    private static final double[] T975 = {
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
        2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042
    };

    /** A mean over {@code n} seeds with its 95% interval; the bounds are NaN below two values. */
    record Interval(double mean, double low, double high, int n) {
        /** Whether the interval lies wholly above or wholly below 0: a difference shown at 95%. */
        boolean excludesZero() {
            return low > 0 || high < 0;
        }
    }

    private SeedStats() {}

    /** The mean of the non-NaN values and its t-interval (sample standard deviation, n - 1 degrees of freedom). */
    static Interval interval(double[] values) {
        double[] xs = Arrays.stream(values).filter(v -> !Double.isNaN(v)).toArray();
        int n = xs.length;
        if (n == 0) {
            return new Interval(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double mean = Arrays.stream(xs).average().orElseThrow();
        if (n == 1) {
            return new Interval(mean, Double.NaN, Double.NaN, 1);
        }
        double ss = Arrays.stream(xs).map(x -> (x - mean) * (x - mean)).sum();
        double half = t975(n - 1) * Math.sqrt(ss / (n - 1) / n);
        return new Interval(mean, mean - half, mean + half, n);
    }

    static double t975(int df) {
        if (df < 1) {
            throw new IllegalArgumentException("degrees of freedom must be >= 1, was " + df);
        }
        return df <= T975.length ? T975[df - 1] : 1.96;
    }

    /**
     * The measure at reward gain {@code target} along a run: its points in step order start at (0, 0), the base, and
     * the first segment whose gain reaches {@code target} is interpolated linearly. NaN when the run never reaches it
     * or the target is not a gain (&le; 0).
     *
     * @param gains reward gain at each measured step count, in step order
     * @param measures the measure (e.g. a domain's loss change) at the same step counts
     */
    static double atGain(double[] gains, double[] measures, double target) {
        if (gains.length != measures.length) {
            throw new IllegalArgumentException(gains.length + " gains but " + measures.length + " measures");
        }
        if (!(target > 0)) {
            return Double.NaN;
        }
        double g0 = 0;
        double m0 = 0;
        for (int k = 0; k < gains.length; k++) {
            double g1 = gains[k];
            double m1 = measures[k];
            if (g1 >= target) {
                return g1 == g0 ? m1 : m0 + (m1 - m0) * (target - g0) / (g1 - g0);
            }
            g0 = g1;
            m0 = m1;
        }
        return Double.NaN;
    }

    /** The gain both runs reach: the smaller of their largest gains; not a gain (&le; 0) when either never gained. */
    static double reachedByBoth(double[] gainsA, double[] gainsB) {
        double maxA = Arrays.stream(gainsA).max().orElse(Double.NaN);
        double maxB = Arrays.stream(gainsB).max().orElse(Double.NaN);
        return Math.min(maxA, maxB);
    }
}

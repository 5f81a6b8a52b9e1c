package dev.cpt.mixing.cli;

/** Means, standard deviations and 95 % t-intervals over seeds. */
final class Stats {
    /** Two-sided 97.5 % quantiles of Student's t for 1 to 30 degrees of freedom. */
    private static final double[] T975 = {
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042
    };

    private Stats() {}

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    static double sd(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return v.length > 1 ? Math.sqrt(s / (v.length - 1)) : 0;
    }

    static double standardError(double[] v) {
        return sd(v) / Math.sqrt(v.length);
    }

    /** Half the width of the 95 % t-interval of the mean; NaN for a single value. */
    static double halfWidth(double[] v) {
        if (v.length < 2) {
            return Double.NaN;
        }
        int df = v.length - 1;
        double t = df <= T975.length ? T975[df - 1] : 1.96;
        return t * standardError(v);
    }

    /** "mean ± half-width", the mean in {@code format}. */
    static String interval(double[] v, String format) {
        return String.format(format + "±%.4f", mean(v), halfWidth(v));
    }

    static double[] minus(double[] x, double[] y) {
        double[] d = new double[x.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = x[i] - y[i];
        }
        return d;
    }
}

package dev.cpt.mixing;

import java.util.List;
import java.util.Optional;

/**
 * The CMR / D-CPT power law of forgetting: the increase of the general (upstream) loss after training T tokens with a
 * share r of target data is {@code F(r, T) = k r^a T^b}. Fitted by least squares in log space, {@code ln F = ln k + a
 * ln r + b ln T}. The critical mixture ratio is the largest r whose predicted forgetting at a horizon stays within a
 * tolerance: {@code r* = (tolerance / (k T^b))^(1/a)}.
 */
public record CmrLaw(double k, double a, double b) {

    /** One measurement: tokens since the phase began, the target's share of them, the general loss increase. */
    public record Point(double tokens, double ratio, double forgetting) {}

    public double forgetting(double ratio, double tokens) {
        return k * Math.pow(ratio, a) * Math.pow(tokens, b);
    }

    /** The largest ratio with {@code forgetting(r, horizon) <= tolerance}, clamped to [min, max]. */
    public double criticalRatio(double tolerance, double horizon, double min, double max) {
        double r = Math.pow(tolerance / (k * Math.pow(horizon, b)), 1 / a);
        if (!Double.isFinite(r)) {
            r = r > 0 ? max : min;
        }
        return Math.max(min, Math.min(max, r));
    }

    /**
     * Fits the law to the points with positive forgetting, ratio and tokens. Needs three such points with some spread
     * in both ratio and tokens; when the ratio exponent comes out non-positive (forgetting cannot shrink as more
     * target data is mixed in), it falls back to a = 1 and fits k and b alone.
     */
    public static Optional<CmrLaw> fit(List<Point> points) {
        List<Point> usable = points.stream()
                .filter(p -> p.forgetting() > 0 && p.ratio() > 0 && p.tokens() > 0)
                .toList();
        if (usable.size() < 3) {
            return Optional.empty();
        }
        int n = usable.size();
        double[][] x = new double[n][];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            Point p = usable.get(i);
            x[i] = new double[] {1, Math.log(p.ratio()), Math.log(p.tokens())};
            y[i] = Math.log(p.forgetting());
        }
        double[] beta = LeastSquares.fit(x, y);
        if (beta != null && beta[1] > 1e-3 && Double.isFinite(beta[0]) && Double.isFinite(beta[2])) {
            return Optional.of(new CmrLaw(Math.exp(beta[0]), beta[1], beta[2]));
        }
        // a = 1: ln(F / r) = ln k + b ln T
        double[][] x2 = new double[n][];
        double[] y2 = new double[n];
        for (int i = 0; i < n; i++) {
            Point p = usable.get(i);
            x2[i] = new double[] {1, Math.log(p.tokens())};
            y2[i] = Math.log(p.forgetting() / p.ratio());
        }
        double[] beta2 = LeastSquares.fit(x2, y2);
        if (beta2 == null || !Double.isFinite(beta2[0]) || !Double.isFinite(beta2[1])) {
            return Optional.empty();
        }
        return Optional.of(new CmrLaw(Math.exp(beta2[0]), 1, beta2[1]));
    }
}

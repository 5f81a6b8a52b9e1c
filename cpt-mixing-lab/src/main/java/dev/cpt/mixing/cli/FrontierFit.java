package dev.cpt.mixing.cli;

import dev.cpt.mixing.LeastSquares;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The static replay ratio at the agent's forgetting, read off a fine grid of ratios run on the same seeds: target loss
 * and forgetting are each fitted as a quadratic in the ratio, the ratio whose fitted forgetting equals the agent's is
 * solved for, and the agent's target is compared with the fitted target there. Seeds are resampled (bootstrap) for a
 * 95 % interval of that difference.
 *
 * <p>Why a fit and not the single ratio a search lands on: at proxy scale the static line is jagged (neighbouring
 * ratios' forgetting is off a smooth line by about 0.005 even over 96 seeds), and a search that keeps the ratio whose
 * forgetting came out at least the agent's keeps ratios whose noise moved them along the trade-off towards lower
 * target loss. The fit averages the jags of the whole grid, and the ratio is exact, so neither axis carries
 * selection.
 */
record FrontierFit(
        double ratio,
        double staticTarget,
        double difference,
        double low,
        double high,
        int resamples,
        int extrapolatedResamples,
        int failedResamples) {

    /** Ratios of the grid: nine, 0.01 apart, centred on {@code centre}, inside [0, 1]. */
    static double[] grid(double centre) {
        double[] g = new double[9];
        for (int k = 0; k < g.length; k++) {
            g[k] = Math.round(Math.min(1, Math.max(0, centre + 0.01 * (k - 4))) * 1e4) / 1e4;
        }
        return Arrays.stream(g).distinct().toArray();
    }

    /** The agent beats the fitted static ratio on target loss at equal forgetting: the whole interval is below 0. */
    boolean agentBetter() {
        return high < 0;
    }

    /**
     * @param agent per-seed agent outcomes
     * @param grid the static ratios' rows, per seed in the same seed order as the agent's
     * @return the fit, or null when the agent's forgetting is outside what the fitted grid forgets
     */
    static FrontierFit of(PolicyBench.Row agent, List<PolicyBench.Row> grid, int resamples, long seed) {
        int seeds = agent.targets().length;
        double[] all = new double[seeds];
        Arrays.fill(all, 1);
        Point point = solve(agent, grid, all);
        if (point == null || point.extrapolated()) {
            return null;
        }
        Random rng = new Random(seed);
        double[] diffs = new double[resamples];
        int ok = 0;
        int extrapolated = 0;
        for (int b = 0; b < resamples; b++) {
            double[] weights = new double[seeds];
            for (int i = 0; i < seeds; i++) {
                weights[rng.nextInt(seeds)]++;
            }
            Point p = solve(agent, grid, weights);
            if (p != null) {
                diffs[ok++] = p.difference();
                extrapolated += p.extrapolated() ? 1 : 0;
            }
        }
        double[] sorted = Arrays.copyOf(diffs, ok);
        Arrays.sort(sorted);
        double low = ok == 0 ? Double.NaN : sorted[(int) Math.floor(0.025 * (ok - 1))];
        double high = ok == 0 ? Double.NaN : sorted[(int) Math.ceil(0.975 * (ok - 1))];
        return new FrontierFit(
                point.ratio(),
                point.staticTarget(),
                point.difference(),
                low,
                high,
                resamples,
                extrapolated,
                resamples - ok);
    }

    private record Point(double ratio, double staticTarget, double difference, boolean extrapolated) {}

    /**
     * The fit under seed weights. A resample may put the agent's forgetting just past the grid's: the fit is then
     * extended by up to half the grid's width on either side (and says so) rather than the resample dropped, since
     * dropping the resamples where the agent lands at an edge would narrow the interval on one side. Null when even
     * that does not reach the agent's forgetting.
     */
    private static Point solve(PolicyBench.Row agent, List<PolicyBench.Row> grid, double[] seedWeights) {
        int n = grid.size();
        double centre =
                grid.stream().mapToDouble(PolicyBench.Row::replay).average().orElseThrow();
        double[] x = new double[n];
        double[] t = new double[n];
        double[] f = new double[n];
        for (int k = 0; k < n; k++) {
            PolicyBench.Row r = grid.get(k);
            x[k] = r.replay() - centre;
            t[k] = weightedMean(r.targets(), seedWeights);
            f[k] = weightedMean(r.forgettings(), seedWeights);
        }
        double[] tq = quadratic(x, t);
        double[] fq = quadratic(x, f);
        if (tq == null || fq == null) {
            return null;
        }
        double agentForgetting = weightedMean(agent.forgettings(), seedWeights);
        double gridLo = Arrays.stream(x).min().orElseThrow();
        double gridHi = Arrays.stream(x).max().orElseThrow();
        boolean extrapolated = !crosses(fq, gridLo, gridHi, agentForgetting);
        double lo = extrapolated ? gridLo - (gridHi - gridLo) / 2 : gridLo;
        double hi = extrapolated ? gridHi + (gridHi - gridLo) / 2 : gridHi;
        if (!crosses(fq, lo, hi, agentForgetting)) {
            return null;
        }
        double gLo = at(fq, lo) - agentForgetting;
        for (int i = 0; i < 60; i++) {
            double mid = (lo + hi) / 2;
            double g = at(fq, mid) - agentForgetting;
            if (Math.signum(g) == Math.signum(gLo)) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        double root = (lo + hi) / 2;
        double staticTarget = at(tq, root);
        return new Point(
                root + centre, staticTarget, weightedMean(agent.targets(), seedWeights) - staticTarget, extrapolated);
    }

    private static boolean crosses(double[] q, double lo, double hi, double level) {
        return Math.signum(at(q, lo) - level) != Math.signum(at(q, hi) - level);
    }

    private static double at(double[] q, double x) {
        return q[0] + q[1] * x + q[2] * x * x;
    }

    /** Least squares a + b x + c x^2 through the points; null when the points cannot fix a quadratic. */
    static double[] quadratic(double[] x, double[] y) {
        double[][] basis = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            basis[i] = new double[] {1, x[i], x[i] * x[i]};
        }
        return LeastSquares.fit(basis, y);
    }

    private static double weightedMean(double[] v, double[] w) {
        double s = 0;
        double total = 0;
        for (int i = 0; i < v.length; i++) {
            s += w[i] * v[i];
            total += w[i];
        }
        return s / total;
    }
}

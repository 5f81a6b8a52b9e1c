package dev.cpt.mixing.training;

import dev.cpt.mixing.LeastSquares;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What a round's return is compared with: the part of it the action did not cause. */
final class Baselines {
    private Baselines() {}

    /**
     * Per sample, the mean return of the runs in the same environment (seed and scenario) at the same phase and round.
     * Such runs (antithetic twins, or a --group of walks) share the pre-trained model and the data streams, so their
     * mean removes the seed-to-seed spread that dwarfs the effect of the mixture. A run alone in its environment falls
     * back to the mean over all runs at its phase and round.
     */
    static double[] meanReturns(List<String> rounds, List<String> environments, List<Double> returns) {
        Map<String, double[]> perEnvironment = new HashMap<>();
        Map<String, double[]> perRound = new HashMap<>();
        for (int i = 0; i < returns.size(); i++) {
            accumulate(perEnvironment, environments.get(i), returns.get(i));
            accumulate(perRound, rounds.get(i), returns.get(i));
        }
        double[] out = new double[returns.size()];
        for (int i = 0; i < out.length; i++) {
            double[] same = perEnvironment.get(environments.get(i));
            double[] sum = same[1] >= 2 ? same : perRound.get(rounds.get(i));
            out[i] = sum[0] / sum[1];
        }
        return out;
    }

    /**
     * A state value per sample: ridge regression of the return on the features plus one indicator per phase and
     * round. When the explored actions are drawn independently of the state, what the features explain of the return
     * is the state's doing, not the action's, so subtracting it leaves the action's effect with less noise.
     */
    static double[] stateValues(List<double[]> feats, List<String> rounds, List<Double> returns) {
        List<String> indicators = rounds.stream().distinct().sorted().toList();
        int f = feats.get(0).length;
        int d = f + indicators.size();
        double[][] xtx = new double[d][d];
        double[] xty = new double[d];
        double[][] rows = new double[feats.size()][];
        for (int i = 0; i < rows.length; i++) {
            double[] x = new double[d];
            System.arraycopy(feats.get(i), 0, x, 0, f);
            x[f + indicators.indexOf(rounds.get(i))] = 1;
            rows[i] = x;
            for (int a = 0; a < d; a++) {
                xty[a] += x[a] * returns.get(i);
                for (int b = 0; b < d; b++) {
                    xtx[a][b] += x[a] * x[b];
                }
            }
        }
        for (int a = 0; a < d; a++) {
            xtx[a][a] += 1e-3 * rows.length;
        }
        // the ridge term keeps the system well posed
        double[] w = LeastSquares.solve(xtx, xty);
        if (w == null) {
            throw new IllegalStateException("the state-value regression is singular");
        }
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            for (int a = 0; a < d; a++) {
                out[i] += w[a] * rows[i][a];
            }
        }
        return out;
    }

    private static void accumulate(Map<String, double[]> sums, String key, double value) {
        double[] acc = sums.computeIfAbsent(key, k -> new double[2]);
        acc[0] += value;
        acc[1]++;
    }
}

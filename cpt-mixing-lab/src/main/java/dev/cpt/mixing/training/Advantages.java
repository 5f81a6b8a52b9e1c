package dev.cpt.mixing.training;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Returns minus their baselines, scaled to unit root mean square within each group. */
final class Advantages {
    private Advantages() {}

    /**
     * @param groups per row, the group it is scaled in (the phase with carry-over: carried-over rewards of an early
     *     phase are a fraction of the last phase's, and scaled per phase each phase's actions are fitted as firmly)
     */
    static double[] standardised(List<Double> returns, double[] baseline, List<Integer> groups) {
        double[] adv = new double[returns.size()];
        Map<Integer, double[]> squares = new HashMap<>();
        for (int i = 0; i < adv.length; i++) {
            adv[i] = returns.get(i) - baseline[i];
            double[] sq = squares.computeIfAbsent(groups.get(i), k -> new double[2]);
            sq[0] += adv[i] * adv[i];
            sq[1]++;
        }
        for (int i = 0; i < adv.length; i++) {
            double[] sq = squares.get(groups.get(i));
            double std = Math.sqrt(sq[0] / sq[1]);
            adv[i] = std > 1e-12 ? adv[i] / std : 0;
        }
        return adv;
    }
}

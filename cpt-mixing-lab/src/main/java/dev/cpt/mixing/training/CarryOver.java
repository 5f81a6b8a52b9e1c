package dev.cpt.mixing.training;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How much of a phase's loss change is still there when the run ends, per slot, fitted on the trajectories.
 *
 * <p>A phase that another domain follows is not judged at its own end: the next phase forgets most of the target gain
 * and relearns most of the upstream forgetting, and not in the same proportion (in the proxy about 17 % of the gain
 * and 27 % of the forgetting are left). A round's greedy reward counts both in full, so it overvalues the new domain
 * in a phase that is not the last one. Scaling each slot's change by its carry-over is potential-based shaping with
 * the next phase's fitted value, and keeps the low-noise one-round credit.
 *
 * <p>Estimated with the exploration as the instrument: the phase's mean target share was drawn at random, so the
 * ratio of its covariance with the loss change to the run's end and with the change over the phase is the causal
 * carry-over (an ordinary regression of one change on the other also picks up the evaluation noise and the pull of
 * the model's state). Fitted within environments (runs on the same seed and scenario) where a collection has them, so
 * the spread between pre-trained models does not enter.
 *
 * @param target fraction of the target domain's loss change over a non-final phase left at the run's end
 * @param upstream the same for the upstream (general) domain
 */
public record CarryOver(double target, double upstream) {
    /** Every change counts in full: the plain per-phase reward. */
    public static final CarryOver NONE = new CarryOver(1, 1);

    public CarryOver {
        if (!(target >= 0 && target <= 1 && upstream >= 0 && upstream <= 1)) {
            throw new IllegalArgumentException("carry-over must be in [0, 1], got " + target + ", " + upstream);
        }
    }

    /** Per-slot scale of a round's loss changes: the carry-over in phases another phase follows, else 1. */
    public double[] slotScale(int phase, int lastPhase) {
        return phase < lastPhase ? new double[] {target, upstream, 1} : new double[] {1, 1, 1};
    }

    /**
     * Per slot, the instrumental-variable ratio of a domain's loss change from a phase's start to the run's end to its
     * change over the phase, instrument the phase's mean target share, after removing each environment's mean;
     * {@link #NONE} when no trajectory has a phase that another one follows.
     */
    public static CarryOver fit(List<Trajectory> trajectories) {
        Map<String, List<double[]>> byEnvironment = new HashMap<>();
        for (Trajectory t : trajectories) {
            int last = lastPhase(t);
            for (int phase = 1; phase < last; phase++) {
                List<Trajectory.Step> steps = stepsOf(t, phase);
                if (steps.isEmpty()) {
                    continue;
                }
                Trajectory.Step end = steps.get(steps.size() - 1);
                double[] start = end.slotStartLoss();
                Double targetFinal = t.outcome().finalLoss().get(t.scenario().get(phase));
                Double upstreamFinal = t.outcome().finalLoss().get(t.scenario().get(0));
                if (targetFinal == null || upstreamFinal == null || !Double.isFinite(start[0] + start[1])) {
                    continue;
                }
                byEnvironment
                        .computeIfAbsent(t.seed() + "/" + t.scenario() + "/" + phase, k -> new ArrayList<>())
                        .add(new double[] {
                            meanTargetShare(steps),
                            end.slotLossAfter()[0] - start[0],
                            targetFinal - start[0],
                            end.slotLossAfter()[1] - start[1],
                            upstreamFinal - start[1]
                        });
            }
        }
        List<double[]> centred = new ArrayList<>();
        List<double[]> loners = new ArrayList<>();
        for (List<double[]> runs : byEnvironment.values()) {
            if (runs.size() >= 2) {
                centred.addAll(minusMean(runs));
            } else {
                loners.addAll(runs);
            }
        }
        centred.addAll(minusMean(loners));
        if (centred.isEmpty()) {
            return NONE;
        }
        return new CarryOver(ratio(centred, 2, 1), ratio(centred, 4, 3));
    }

    static int lastPhase(Trajectory t) {
        return t.steps().stream().mapToInt(Trajectory.Step::phase).max().orElse(0);
    }

    private static List<Trajectory.Step> stepsOf(Trajectory t, int phase) {
        return t.steps().stream().filter(s -> s.phase() == phase).toList();
    }

    private static List<double[]> minusMean(List<double[]> rows) {
        if (rows.isEmpty()) {
            return List.of();
        }
        double[] mean = new double[rows.get(0).length];
        for (double[] r : rows) {
            for (int i = 0; i < mean.length; i++) {
                mean[i] += r[i] / rows.size();
            }
        }
        List<double[]> out = new ArrayList<>();
        for (double[] r : rows) {
            double[] c = new double[r.length];
            for (int i = 0; i < c.length; i++) {
                c[i] = r[i] - mean[i];
            }
            out.add(c);
        }
        return out;
    }

    private static double meanTargetShare(List<Trajectory.Step> steps) {
        return steps.stream().mapToDouble(s -> s.slotShares()[0]).average().orElse(0);
    }

    /** cov(share, final change) / cov(share, phase change), clamped to [0, 1]; 1 when the share did not vary. */
    private static double ratio(List<double[]> rows, int finalChange, int phaseChange) {
        double zf = 0;
        double zp = 0;
        for (double[] r : rows) {
            zf += r[0] * r[finalChange];
            zp += r[0] * r[phaseChange];
        }
        return Math.abs(zp) > 1e-12 ? Math.max(0, Math.min(1, zf / zp)) : 1;
    }
}

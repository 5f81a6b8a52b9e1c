package dev.cpt.mixing.proxy;

import dev.cpt.mixing.MixingPolicy;
import dev.cpt.mixing.MixingState;
import dev.cpt.mixing.PhaseTracker;
import dev.cpt.mixing.agent.Features;
import java.util.Map;
import java.util.Random;

/**
 * The exploration policy of trajectory collection. Each phase (each new target) draws a random centre and a random
 * trend of the slot logits; each round then takes {@code z = centre + trend * (phase progress - 1/2) + noise}, with
 * fresh Gaussian noise every round. So a collection visits steady mixtures, schedules that start target-heavy and
 * end replay-heavy and the reverse, and round-to-round jitter.
 *
 * <p>Why not a plain random walk ({@code z <- z + noise}): its next action is the previous one plus noise, so a
 * policy fitted to it learns to copy its previous weights, and run in closed loop it drifts to a corner. Here the
 * rounds of a phase are independent given the centre and trend.
 */
public final class RandomWalkPolicy implements MixingPolicy, Exploring {
    private final Random rng;
    private final double spread;
    private final double noise;
    private final double trendScale;
    private final int roundsPerPhase;
    private final double[] centre = new double[Features.SLOTS];
    private final double[] trend = new double[Features.SLOTS];
    private final double[] z = new double[Features.SLOTS];
    private final PhaseTracker phase = new PhaseTracker();
    private int round;

    /**
     * @param spread standard deviation of the per-phase centre
     * @param noise standard deviation of the per-round noise
     * @param trendScale standard deviation of the per-phase trend (logit change from the phase's start to its end)
     * @param roundsPerPhase rounds in a phase, to measure progress
     */
    public RandomWalkPolicy(long seed, double spread, double noise, double trendScale, int roundsPerPhase) {
        this.rng = new Random(seed);
        this.spread = spread;
        this.noise = noise;
        this.trendScale = trendScale;
        this.roundsPerPhase = roundsPerPhase;
    }

    @Override
    public String name() {
        return "random-walk";
    }

    @Override
    public Map<String, Double> weights(MixingState state) {
        if (phase.update(state)) {
            round = 0;
            for (int s = 0; s < centre.length; s++) {
                centre[s] = spread * rng.nextGaussian();
                trend[s] = trendScale * rng.nextGaussian();
            }
        }
        double progress = roundsPerPhase > 1 ? (double) round / (roundsPerPhase - 1) : 0.5;
        for (int s = 0; s < z.length; s++) {
            z[s] = centre[s] + trend[s] * (progress - 0.5) + noise * rng.nextGaussian();
        }
        round++;
        return Features.weights(state, z, 0);
    }

    @Override
    public double[] lastLogits() {
        return z.clone();
    }
}

package dev.cpt.mixing.proxy;

import dev.cpt.mixing.MixingPolicy;
import dev.cpt.mixing.MixingState;
import dev.cpt.mixing.PhaseTracker;
import dev.cpt.mixing.agent.AgentArtifact;
import dev.cpt.mixing.agent.Features;
import java.util.Map;
import java.util.Random;

/**
 * Exploration around a trained agent: its mean slot logits plus a Gaussian offset drawn once per phase plus Gaussian
 * noise every round. Trajectories collected this way are near-policy for the agent, so training on them is a
 * policy-improvement step from where the agent is, rather than from random walks.
 *
 * <p>Why a per-phase offset: the outcome of a phase depends on the mixture it held far more than on any one round's
 * jitter (the model forgets and relearns within a few rounds), so per-round noise alone averages out and leaves the
 * phase's return with almost no signal about the action. With {@code antithetic} the offsets are negated: two runs on
 * the same seed, one with +offset and one with -offset, differ only by the direction explored, and their difference
 * in return is the gradient signal without the seed-to-seed spread (common random numbers).
 */
public final class AroundAgentPolicy implements MixingPolicy, Exploring {
    private final AgentArtifact agent;
    private final Random rng;
    private final double noise;
    private final double phaseNoise;
    private final double sign;
    private final double horizonTokens;
    private final double[] offset = new double[Features.SLOTS];
    private final PhaseTracker phase = new PhaseTracker();
    private final double[] z = new double[Features.SLOTS];

    /**
     * @param noise standard deviation of the per-round noise on the logits
     * @param phaseNoise standard deviation of the per-phase offset of the logits
     * @param antithetic negate every draw (the twin of a run with the same seed)
     */
    public AroundAgentPolicy(
            AgentArtifact agent, long seed, double noise, double phaseNoise, boolean antithetic, double horizonTokens) {
        this.agent = agent;
        this.rng = new Random(seed);
        this.noise = noise;
        this.phaseNoise = phaseNoise;
        this.sign = antithetic ? -1 : 1;
        this.horizonTokens = horizonTokens;
    }

    public AroundAgentPolicy(AgentArtifact agent, long seed, double noise, double horizonTokens) {
        this(agent, seed, noise, 0, false, horizonTokens);
    }

    @Override
    public String name() {
        return "around-" + agent.manifest().version();
    }

    @Override
    public Map<String, Double> weights(MixingState state) {
        if (phase.update(state)) {
            for (int s = 0; s < offset.length; s++) {
                offset[s] = sign * phaseNoise * rng.nextGaussian();
            }
        }
        Features.View view = Features.of(state, phase, horizonTokens);
        double[] mu = agent.net().logits(view.features());
        for (int s = 0; s < z.length; s++) {
            z[s] = mu[s] + offset[s] + sign * noise * rng.nextGaussian();
        }
        return Features.weights(state, z, agent.manifest().minTargetShare());
    }

    @Override
    public double[] lastLogits() {
        return z.clone();
    }
}

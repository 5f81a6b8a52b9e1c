package dev.cpt.mixing.proxy;

import dev.cpt.mixing.DomainRoles;
import dev.cpt.mixing.MixingPolicy;
import dev.cpt.mixing.MixingState;
import dev.cpt.mixing.PhaseTracker;
import dev.cpt.mixing.Simplex;
import dev.cpt.mixing.agent.AgentArtifact;
import dev.cpt.mixing.agent.Features;
import java.util.Map;
import java.util.Random;

/**
 * Exploration around a trained agent: its mean slot logits plus Gaussian noise every round. Trajectories collected
 * this way are on-policy for the agent's Gaussian (with sigma = noise), so training on them is a policy-improvement
 * step from where the agent is, rather than from random walks.
 */
public final class AroundAgentPolicy implements MixingPolicy, Exploring {
    private final AgentArtifact agent;
    private final Random rng;
    private final double noise;
    private final double horizonTokens;
    private final PhaseTracker phase = new PhaseTracker();
    private final double[] z = new double[Features.SLOTS];

    public AroundAgentPolicy(AgentArtifact agent, long seed, double noise, double horizonTokens) {
        this.agent = agent;
        this.rng = new Random(seed);
        this.noise = noise;
        this.horizonTokens = horizonTokens;
    }

    @Override
    public String name() {
        return "around-" + agent.manifest().version();
    }

    @Override
    public Map<String, Double> weights(MixingState state) {
        phase.update(state);
        Features.View view = Features.of(state, phase, horizonTokens);
        double[] mu = agent.net().logits(view.features());
        for (int s = 0; s < z.length; s++) {
            z[s] = mu[s] + noise * rng.nextGaussian();
        }
        DomainRoles roles = DomainRoles.of(state);
        double[] shares = Features.slotShares(z, roles.slotMask());
        return Simplex.restrict(roles.fromSlots(shares[0], shares[1], shares[2]), state.availableTokens().keySet());
    }

    @Override
    public double[] lastLogits() {
        return z.clone();
    }
}

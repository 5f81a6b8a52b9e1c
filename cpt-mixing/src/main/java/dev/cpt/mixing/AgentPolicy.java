package dev.cpt.mixing;

import dev.cpt.mixing.agent.AgentArtifact;
import dev.cpt.mixing.agent.Features;
import java.util.Map;

/**
 * The learned mixing agent: computes {@link Features} for the round, runs the trained network and turns the mean
 * slot logits into weights (softmax over the slots with data, the target raised to the artifact's
 * {@link dev.cpt.mixing.agent.AgentManifest#minTargetShare}; the earlier-domains slot is split evenly). It acts on
 * the mean of its Gaussian policy: exploration belongs to trajectory collection, not to the mixer.
 */
public final class AgentPolicy implements MixingPolicy {
    private final AgentArtifact artifact;
    private final double horizonTokens;
    private final PhaseTracker phase = new PhaseTracker();

    /**
     * @param horizonTokens phase length for the progress feature; {@code <= 0} estimates it from the stream
     *     ({@link PhaseTracker#expectedTokens}), which is what a live stream needs: the length the agent trained with is
     *     its proxy's, and progress against it would saturate at once on a real stream
     */
    public AgentPolicy(AgentArtifact artifact, double horizonTokens) {
        this.artifact = artifact;
        this.horizonTokens = horizonTokens;
    }

    @Override
    public String name() {
        return "agent";
    }

    public String version() {
        return artifact.manifest().version();
    }

    @Override
    public String description() {
        return String.format(
                "agent %s (target floor %s, phase length %s)",
                version(),
                artifact.manifest().minTargetShare(),
                horizonTokens > 0 ? (long) horizonTokens + " tokens" : "from the stream");
    }

    @Override
    public Map<String, Double> weights(MixingState state) {
        phase.update(state);
        Features.View view = Features.of(state, phase, horizonTokens);
        return Features.weights(
                state,
                artifact.net().logits(view.features()),
                artifact.manifest().minTargetShare());
    }
}

package dev.cpt.mixing.agent;

import java.util.List;
import java.util.Map;

/**
 * What an agent artifact is: written beside its weights as {@code manifest.json}.
 *
 * @param version the artifact's version, e.g. {@code mixing-agent-1}
 * @param featureLayout {@link Features#LAYOUT_VERSION} at training time; the loader refuses a different one
 * @param features feature names in input order
 * @param slots slot names in output order
 * @param hidden width of the hidden layer
 * @param horizonTokens the phase length in tokens that progress was measured against in training
 * @param minTargetShare the least share of a round the target domain gets while it has data, whatever the network
 *     says (0: none, also when a manifest written before this field has none). Part of the policy, not learnt: the
 *     other slots make room for it
 * @param reward how the training reward was computed (lambdas)
 * @param training algorithm and its settings
 * @param trainingData the trajectory files, their sha256 over all bytes, and how many trajectories and steps
 * @param createdAt ISO-8601 instant
 * @param weightsSha256 sha256 of the weights file
 */
public record AgentManifest(
        String version,
        String featureLayout,
        List<String> features,
        List<String> slots,
        int hidden,
        double horizonTokens,
        Double minTargetShare,
        Map<String, Double> reward,
        Map<String, String> training,
        TrainingData trainingData,
        String createdAt,
        String weightsSha256) {

    public AgentManifest {
        if (minTargetShare == null) {
            minTargetShare = 0.0;
        }
        if (!(minTargetShare >= 0 && minTargetShare < 1)) {
            throw new IllegalArgumentException("minTargetShare must be in [0, 1), got " + minTargetShare);
        }
    }

    public record TrainingData(List<String> files, String sha256, int trajectories, int steps) {}
}

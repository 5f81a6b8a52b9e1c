package dev.cpt.mixing.agent;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Hand-made and random policy networks and artifacts for tests. */
public final class Nets {
    private Nets() {}

    public static PolicyNet random(long seed) {
        Random rng = new Random(seed);
        int h = 8;
        int f = Features.SIZE;
        float[][] w1 = new float[h][f];
        float[][] w2 = new float[Features.SLOTS][h];
        float[] b1 = new float[h];
        float[] b2 = new float[Features.SLOTS];
        for (float[] row : w1) {
            for (int i = 0; i < f; i++) {
                row[i] = (float) rng.nextGaussian();
            }
        }
        for (float[] row : w2) {
            for (int j = 0; j < h; j++) {
                row[j] = (float) (2 * rng.nextGaussian());
            }
        }
        for (int j = 0; j < h; j++) {
            b1[j] = (float) rng.nextGaussian();
        }
        float[] mean = new float[f];
        float[] std = new float[f];
        for (int i = 0; i < f; i++) {
            mean[i] = (float) (0.1 * rng.nextGaussian());
            std[i] = (float) (0.5 + rng.nextDouble());
        }
        return new PolicyNet(w1, b1, w2, b2, new float[Features.SLOTS], mean, std);
    }

    /** A network whose output ignores its input: the slot logits are the biases. */
    public static PolicyNet constant(double target, double upstream, double earlier) {
        int h = 4;
        float[] std = new float[Features.SIZE];
        java.util.Arrays.fill(std, 1f);
        return new PolicyNet(
                new float[h][Features.SIZE],
                new float[h],
                new float[Features.SLOTS][h],
                new float[] {(float) target, (float) upstream, (float) earlier},
                new float[Features.SLOTS],
                new float[Features.SIZE],
                std);
    }

    public static AgentArtifact artifact(PolicyNet net) {
        return artifact(net, 0);
    }

    public static AgentArtifact artifact(PolicyNet net, double minTargetShare) {
        return new AgentArtifact(
                new AgentManifest(
                        "test",
                        Features.LAYOUT_VERSION,
                        Features.NAMES,
                        Features.SLOT_NAMES,
                        net.hidden(),
                        5_000,
                        minTargetShare,
                        Map.of("upstreamWeight", 1.0),
                        Map.of("algorithm", "none"),
                        new AgentManifest.TrainingData(List.of(), "none", 0, 0),
                        Instant.EPOCH.toString(),
                        null),
                net);
    }
}

package dev.cpt.mixing.training;

import dev.cpt.mixing.agent.Features;
import dev.cpt.mixing.agent.PolicyNet;
import java.util.Arrays;
import java.util.Random;

/** The network training starts from: feature standardisation from the samples, small random weights. */
final class InitialNetwork {
    private InitialNetwork() {}

    static PolicyNet of(Samples samples, TrainingSettings settings) {
        int f = Features.SIZE;
        float[] mean = new float[f];
        float[] std = new float[f];
        for (double[] row : samples.features()) {
            for (int i = 0; i < f; i++) {
                mean[i] += (float) (row[i] / samples.size());
            }
        }
        for (double[] row : samples.features()) {
            for (int i = 0; i < f; i++) {
                std[i] += (float) ((row[i] - mean[i]) * (row[i] - mean[i]) / samples.size());
            }
        }
        for (int i = 0; i < f; i++) {
            // a constant feature (e.g. always present) must not divide by zero
            std[i] = std[i] > 1e-8 ? (float) Math.sqrt(std[i]) : 1f;
        }
        Random rng = new Random(settings.seed());
        int h = settings.hidden();
        float[][] w1 = new float[h][f];
        float[][] w2 = new float[Features.SLOTS][h];
        for (float[] row : w1) {
            for (int i = 0; i < f; i++) {
                row[i] = (float) (rng.nextGaussian() / Math.sqrt(f));
            }
        }
        for (float[] row : w2) {
            for (int j = 0; j < h; j++) {
                row[j] = (float) (0.1 * rng.nextGaussian() / Math.sqrt(h));
            }
        }
        float[] logStd = new float[Features.SLOTS];
        Arrays.fill(logStd, (float) Math.log(settings.sigma()));
        return new PolicyNet(w1, new float[h], w2, new float[Features.SLOTS], logStd, mean, std);
    }
}

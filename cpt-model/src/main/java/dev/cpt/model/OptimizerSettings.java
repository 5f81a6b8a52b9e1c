package dev.cpt.model;

/**
 * AdamW hyper-parameters for one step. Weight decay is decoupled (applied as {@code w -= lr * wd *
 * w}) and only touches matrices and embeddings, never biases or LayerNorm gains, as is usual for
 * GPT-2 training.
 *
 * @param learningRate step size
 * @param weightDecay decoupled weight decay coefficient
 * @param beta1 first-moment decay
 * @param beta2 second-moment decay
 * @param eps denominator epsilon
 * @param maxGradNorm clip the global gradient L2 norm to this; {@code <= 0} disables clipping
 */
public record OptimizerSettings(
        double learningRate, double weightDecay, double beta1, double beta2, double eps, double maxGradNorm) {

    public OptimizerSettings {
        requireFinite(learningRate, "learningRate");
        requireFinite(weightDecay, "weightDecay");
        requireFinite(beta1, "beta1");
        requireFinite(beta2, "beta2");
        requireFinite(eps, "eps");
        requireFinite(maxGradNorm, "maxGradNorm");
        if (learningRate < 0 || weightDecay < 0) {
            throw new IllegalArgumentException("learningRate and weightDecay must be >= 0");
        }
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
            throw new IllegalArgumentException("beta1 and beta2 must be in [0, 1)");
        }
        if (eps <= 0) {
            throw new IllegalArgumentException("eps must be > 0");
        }
    }

    /** GPT-2-ish defaults: lr 3e-4, wd 0.1, betas (0.9, 0.95), eps 1e-8, clip 1.0. */
    public static OptimizerSettings defaults() {
        return new OptimizerSettings(3e-4, 0.1, 0.9, 0.95, 1e-8, 1.0);
    }

    public OptimizerSettings withLearningRate(double lr) {
        return new OptimizerSettings(lr, weightDecay, beta1, beta2, eps, maxGradNorm);
    }

    private static void requireFinite(double v, String name) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " must be finite, got " + v);
        }
    }
}

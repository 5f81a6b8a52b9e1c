package dev.cpt.mixing.training;

import dev.cpt.mixing.agent.Features;
import dev.cpt.mixing.agent.PolicyNet;

/**
 * The advantage-weighted regression objective {@code -mean(w log pi(z | s))} with {@code w = exp(A / beta)}, capped.
 * Under a Gaussian policy with fixed spread sigma it is, up to a constant, the sum over rows and present slots of
 * {@code w / n * (z - mu(s))^2 / (2 sigma^2)}.
 */
public final class WeightedLikelihood {
    /** Cap of exp(A / beta): a single lucky trajectory must not dominate the fit. */
    public static final double MAX_WEIGHT = 20;

    private final double beta;
    private final double inv2s2;

    public WeightedLikelihood(TrainingSettings settings) {
        this.beta = settings.beta();
        this.inv2s2 = 1.0 / (2 * settings.sigma() * settings.sigma());
    }

    /** The weight of a round in the fit: exp(A / beta), capped. */
    public double weight(double advantage) {
        return Math.min(MAX_WEIGHT, Math.exp(advantage / beta));
    }

    /** Per row and slot, the factor of {@code (z - mu)^2} in the objective (0 for a slot without data), row-major. */
    float[] coefficients(Samples samples) {
        int n = samples.size();
        int k = Features.SLOTS;
        float[] c = new float[n * k];
        for (int r = 0; r < n; r++) {
            for (int s = 0; s < k; s++) {
                c[r * k + s] = samples.mask()[r][s] ? (float) (weight(samples.advantages()[r]) * inv2s2 / n) : 0f;
            }
        }
        return c;
    }

    /** The objective (without the constant) of a network, in plain Java. */
    public double of(PolicyNet net, Samples samples) {
        double total = 0;
        for (int r = 0; r < samples.size(); r++) {
            double[] mu = net.logits(samples.features()[r]);
            for (int s = 0; s < Features.SLOTS; s++) {
                if (samples.mask()[r][s]) {
                    double d = samples.actions()[r][s] - mu[s];
                    total += weight(samples.advantages()[r]) * d * d * inv2s2 / samples.size();
                }
            }
        }
        return total;
    }

    /** Log-likelihood of an action under a network's Gaussian (present slots only, constant included). */
    public static double logProb(PolicyNet net, double[] features, boolean[] mask, double[] action) {
        double[] mu = net.logits(features);
        double lp = 0;
        for (int s = 0; s < Features.SLOTS; s++) {
            if (mask[s]) {
                double sigma = Math.exp(net.logStd()[s]);
                double d = (action[s] - mu[s]) / sigma;
                lp += -0.5 * d * d - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
            }
        }
        return lp;
    }
}

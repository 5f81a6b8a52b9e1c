package dev.cpt.mixing;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Online Data Mixing (Albalak et al. 2023): a multi-armed bandit over domains with EXP3. A domain's reward is its
 * loss (a high loss means there is more to learn from it), importance-weighted by the probability it was mixed with:
 * {@code R(i) <- alpha R(i) + (1 - alpha) L(i) / pi(i)} for every domain that had weight last round. The weights are
 * {@code pi(i) = (1 - K eps_t) softmax(eps_(t-1) R)(i) + eps_t}, {@code eps_t = min(1/K, sqrt(ln K / (K t)))}, with
 * {@code t} the number of updates so far plus one and {@code eps_0 = 1/K}. ODM uses the training loss of each batch;
 * here the loss comes from eval feedback, which is what the mixer receives.
 */
public final class OdmPolicy implements MixingPolicy {
    private final double alpha;
    private final Map<String, Double> estimatedReward = new HashMap<>();
    private Map<String, Double> lastWeights = Map.of();
    private long updates;

    public OdmPolicy(double alpha) {
        if (!(alpha >= 0 && alpha < 1)) {
            throw new IllegalArgumentException("odm alpha must be in [0, 1), got " + alpha);
        }
        this.alpha = alpha;
    }

    @Override
    public String name() {
        return "odm";
    }

    static double epsilon(int k, long t) {
        if (k <= 1) {
            return 0;
        }
        if (t <= 0) {
            return 1.0 / k;
        }
        return Math.min(1.0 / k, Math.sqrt(Math.log(k) / ((double) k * t)));
    }

    @Override
    public Map<String, Double> weights(MixingState state) {
        var domains = new TreeMap<>(state.availableTokens()).keySet();
        int k = domains.size();
        long t = updates + 1;
        double eps = epsilon(k, t);
        double previousEps = epsilon(k, t - 1);
        double[] logits = new double[k];
        int i = 0;
        for (String d : domains) {
            logits[i++] = previousEps * estimatedReward.getOrDefault(d, 0.0);
        }
        double[] p = Simplex.softmax(logits);
        Map<String, Double> w = new TreeMap<>();
        i = 0;
        for (String d : domains) {
            w.put(d, (1 - k * eps) * p[i++] + eps);
        }
        lastWeights = Simplex.restrict(w, domains);
        return lastWeights;
    }

    @Override
    public void observe(EvalFeedback feedback) {
        boolean any = false;
        for (Map.Entry<String, Double> e : lastWeights.entrySet()) {
            Double loss = feedback.heldoutLoss().get(e.getKey());
            if (loss != null && Double.isFinite(loss) && e.getValue() > 0) {
                double r = estimatedReward.getOrDefault(e.getKey(), 0.0);
                estimatedReward.put(e.getKey(), alpha * r + (1 - alpha) * loss / e.getValue());
                any = true;
            }
        }
        if (any) {
            updates++;
        }
    }

    /** The smoothed, importance-weighted reward of each domain (for tests and metrics). */
    public Map<String, Double> estimatedRewards() {
        return Map.copyOf(estimatedReward);
    }
}

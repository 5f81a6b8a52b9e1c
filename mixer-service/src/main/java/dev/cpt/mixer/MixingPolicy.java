package dev.cpt.mixer;

import java.util.Map;

/**
 * Chooses the next round's domain weights. Implementations are pure: the same inputs give the same weights.
 * The mixing-agent issue adds static, temperature, bandit, scaling-law and learned policies behind this interface.
 */
public interface MixingPolicy {
    String name();

    /**
     * @param available sequences ready per domain; only domains with at least one are present
     * @return weights on the simplex over (a subset of) {@code available}'s domains
     */
    Map<String, Double> weights(Map<String, Integer> available);

    /** Every domain that has data gets the same share. */
    static MixingPolicy uniform() {
        return new MixingPolicy() {
            @Override
            public String name() {
                return "uniform";
            }

            @Override
            public Map<String, Double> weights(Map<String, Integer> available) {
                double w = 1.0 / available.size();
                var weights = new java.util.TreeMap<String, Double>();
                available.keySet().forEach(d -> weights.put(d, w));
                return weights;
            }
        };
    }
}

package dev.cpt.mixer;

import dev.cpt.mixing.MixingPolicy;
import dev.cpt.mixing.MixingState;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/** Every domain that has data (fresh or in the replay reservoir) gets the same share. */
final class UniformPolicy implements MixingPolicy {
    @Override
    public String name() {
        return "uniform";
    }

    @Override
    public Map<String, Double> weights(MixingState state) {
        return uniform(state.availableTokens().keySet());
    }

    static Map<String, Double> uniform(Collection<String> domains) {
        Map<String, Double> weights = new TreeMap<>();
        domains.forEach(d -> weights.put(d, 1.0 / domains.size()));
        return weights;
    }
}

package dev.cpt.mixing;

import java.util.Map;
import java.util.TreeMap;

/**
 * Fixed weights, or a fixed replay ratio: the replay share is spread evenly over the earlier domains (upstream
 * included) and the rest goes to the target domain. Fixed weights naming domains without data are renormalised over
 * those that have data; if none of the named domains has data, every domain with data gets the same share.
 */
public final class StaticPolicy implements MixingPolicy {
    private final Map<String, Double> fixed;
    private final double replayRatio;

    private StaticPolicy(Map<String, Double> fixed, double replayRatio) {
        this.fixed = fixed;
        this.replayRatio = replayRatio;
    }

    public static StaticPolicy replay(double ratio) {
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("replay ratio must be in [0, 1], got " + ratio);
        }
        return new StaticPolicy(null, ratio);
    }

    public static StaticPolicy weights(Map<String, Double> weights) {
        if (weights.isEmpty()) {
            throw new IllegalArgumentException("static weights must name at least one domain");
        }
        weights.forEach((d, w) -> {
            if (!(w >= 0) || !Double.isFinite(w)) {
                throw new IllegalArgumentException("static weight of " + d + " must be finite and >= 0, got " + w);
            }
        });
        return new StaticPolicy(new TreeMap<>(weights), Double.NaN);
    }

    @Override
    public String name() {
        return "static";
    }

    /** The replay ratio, or NaN for fixed weights. */
    public double replayRatio() {
        return replayRatio;
    }

    @Override
    public Map<String, Double> weights(MixingState state) {
        Map<String, Double> raw = fixed != null ? fixed : DomainRoles.of(state).targetAndReplay(1 - replayRatio);
        return Simplex.restrict(raw, state.availableTokens().keySet());
    }
}

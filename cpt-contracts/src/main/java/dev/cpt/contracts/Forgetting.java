package dev.cpt.contracts;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Forgetting per domain from held-out losses (nats, lower is better) in step order, the first being the base: the
 * definitions behind {@link EvalReport.ContinualMetrics#forgetting()} and {@link
 * EvalReport.ContinualMetrics#forgettingVsBase()}. Eval-service computes its reports with it and the trainer's GRPO vs
 * SFT benchmark its per-domain forgetting, so both mean the same thing.
 *
 * @param vsBest latest loss minus the lowest loss any point had on the domain (&ge; 0; how far from its best)
 * @param vsBase latest loss minus the base's (&gt; 0: worse than before any training); only domains the base has
 */
public record Forgetting(Map<String, Double> vsBest, Map<String, Double> vsBase) {
    public Forgetting {
        vsBest = Map.copyOf(vsBest);
        vsBase = Map.copyOf(vsBase);
    }

    /** @param losses each point's loss per domain, base first and latest last; a domain a point lacks is skipped */
    public static Forgetting of(List<Map<String, Double>> losses) {
        if (losses.isEmpty()) {
            throw new IllegalArgumentException("no losses");
        }
        Map<String, Double> base = losses.get(0);
        Map<String, Double> vsBest = new TreeMap<>();
        Map<String, Double> vsBase = new TreeMap<>();
        losses.get(losses.size() - 1).forEach((domain, loss) -> {
            double best = losses.stream()
                    .map(l -> l.get(domain))
                    .filter(Objects::nonNull)
                    .mapToDouble(Double::doubleValue)
                    .min()
                    .orElse(loss);
            vsBest.put(domain, loss - best);
            Double b = base.get(domain);
            if (b != null) {
                vsBase.put(domain, loss - b);
            }
        });
        return new Forgetting(vsBest, vsBase);
    }
}

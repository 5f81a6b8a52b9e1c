package dev.cpt.launcher.report;

import java.util.List;
import java.util.Map;

/**
 * The demo's figures, as plotted and as written to {@code demo-report.json}: plain numbers, so that the page and
 * the JSON always agree.
 *
 * @param lossByDomain held-out loss (nats/token) of each domain over tokens trained (all domains together)
 * @param mixtureWeights each domain's weight over the mixer's rounds
 * @param forgetting the loss matrix R and the continual-learning metrics of the last eval report (null: none yet)
 * @param grpo reward before and after the GRPO stage (null: the stage did not run)
 */
public record Figures(
        List<LineChart.Series> lossByDomain,
        List<LineChart.Series> mixtureWeights,
        Forgetting forgetting,
        GrpoSummary grpo) {
    public Figures {
        lossByDomain = List.copyOf(lossByDomain);
        mixtureWeights = List.copyOf(mixtureWeights);
    }

    /**
     * Row i of {@code losses}: held-out loss per domain (in {@code domains} order; null where not measured) at the
     * last checkpoint of {@code rows.get(i)}, the base model first when known.
     */
    public record Forgetting(
            List<String> rows,
            List<String> domains,
            List<List<Double>> losses,
            Map<String, Double> forgetting,
            Double backwardTransfer,
            Double forwardTransfer) {
        public Forgetting {
            rows = List.copyOf(rows);
            domains = List.copyOf(domains);
            losses = losses.stream()
                    .map(r -> java.util.Collections.unmodifiableList(new java.util.ArrayList<>(r)))
                    .toList();
            forgetting = Map.copyOf(forgetting);
        }
    }
}

package dev.cpt.mixing;

import dev.cpt.contracts.DomainScore;
import dev.cpt.contracts.EvalReport;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Held-out loss per domain at one checkpoint, with the tokens per domain the checkpoint had trained on:
 * the part of an {@link EvalReport} a mixing policy learns from.
 */
public record EvalFeedback(long step, Map<String, Long> tokensPerDomain, Map<String, Double> heldoutLoss) {
    public EvalFeedback {
        tokensPerDomain = Map.copyOf(tokensPerDomain);
        heldoutLoss = Map.copyOf(heldoutLoss);
    }

    /** The feedback in a report, or empty for an error report or one without scores. */
    public static Optional<EvalFeedback> from(EvalReport report) {
        if (report.failed() || report.domains().isEmpty()) {
            return Optional.empty();
        }
        Map<String, Double> losses = new TreeMap<>();
        for (Map.Entry<String, DomainScore> e : report.domains().entrySet()) {
            losses.put(e.getKey(), e.getValue().loss());
        }
        return Optional.of(new EvalFeedback(report.step(), report.tokensPerDomain(), losses));
    }
}

package dev.cpt.eval;

import java.util.Map;
import java.util.TreeMap;

/**
 * One scored checkpoint of a run as the continual-learning math sees it: its step, the training tokens per domain
 * it had seen, and its held-out loss per domain. Only comparable losses belong here (scored on the domain's current
 * held-out set); a domain without one is simply absent.
 */
public record RunPoint(long step, Map<String, Long> tokensPerDomain, Map<String, Double> losses) {
    public RunPoint {
        tokensPerDomain = Map.copyOf(tokensPerDomain);
        losses = Map.copyOf(losses);
    }

    Double loss(String domain) {
        return losses.get(domain);
    }

    /** The same point with more losses (those already present win). */
    RunPoint withLosses(Map<String, Double> more) {
        Map<String, Double> merged = new TreeMap<>(more);
        merged.putAll(losses);
        return new RunPoint(step, tokensPerDomain, merged);
    }
}

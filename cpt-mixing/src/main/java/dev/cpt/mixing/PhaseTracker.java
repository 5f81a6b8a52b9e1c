package dev.cpt.mixing;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Remembers where the current phase began: the moment a new target domain first showed up in a {@link MixingState}.
 * Policies that measure gain and forgetting "since the target arrived" share this rule, so the learned agent sees
 * the same numbers in proxy runs and in the mixer.
 */
public final class PhaseTracker {
    private String target;
    private int feedbackAtStart;
    private long tokensAtStart;
    private Map<String, Long> trainedAtStart = Map.of();

    /**
     * Call once per round before reading anything; starts a new phase when the target changed.
     *
     * @return whether this round began a new phase
     */
    public boolean update(MixingState state) {
        String t = state.targetDomain();
        if (t == null || t.equals(target)) {
            return false;
        }
        target = t;
        feedbackAtStart = state.feedback().size();
        trainedAtStart = new HashMap<>(state.trainedTokens());
        tokensAtStart = total(state.trainedTokens());
        return true;
    }

    public String target() {
        return target;
    }

    /** Tokens trained (all domains) since the phase began. */
    public long tokensSinceStart(MixingState state) {
        return Math.max(0, total(state.trainedTokens()) - tokensAtStart);
    }

    /** Tokens a feedback's checkpoint had trained since the phase began (all domains, or one domain). */
    public long tokensSinceStart(EvalFeedback f) {
        return total(f.tokensPerDomain()) - tokensAtStart;
    }

    public long tokensSinceStart(EvalFeedback f, String domain) {
        return f.tokensPerDomain().getOrDefault(domain, 0L) - trainedAtStart.getOrDefault(domain, 0L);
    }

    /**
     * A domain's loss when the phase began: the latest feedback up to the start that scored it, or else the first one
     * after it that did.
     */
    public Optional<Double> startLoss(List<EvalFeedback> feedback, String domain) {
        for (int i = Math.min(feedbackAtStart, feedback.size()) - 1; i >= 0; i--) {
            Double l = feedback.get(i).heldoutLoss().get(domain);
            if (l != null) {
                return Optional.of(l);
            }
        }
        for (int i = feedbackAtStart; i < feedback.size(); i++) {
            Double l = feedback.get(i).heldoutLoss().get(domain);
            if (l != null) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }

    /** Index of the first feedback that arrived after the phase began. */
    public int feedbackAtStart() {
        return feedbackAtStart;
    }

    private static long total(Map<String, Long> tokens) {
        long n = 0;
        for (long v : tokens.values()) {
            n += v;
        }
        return n;
    }
}

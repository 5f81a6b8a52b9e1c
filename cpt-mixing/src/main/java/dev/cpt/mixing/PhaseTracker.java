package dev.cpt.mixing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Remembers where the current phase began: the moment a new target domain first showed up in a {@link MixingState}.
 * Policies that measure gain and forgetting "since the target arrived" share this rule, so the learned agent sees
 * the same numbers in proxy runs and in the mixer.
 *
 * <p>It also estimates how long the phase will be, from what the stream shows, so that progress through a phase means
 * the same on a stream of any size: see {@link #expectedTokens}.
 */
public final class PhaseTracker {
    private String target;
    private long tokensAtStart;
    private Map<String, Long> trainedAtStart = Map.of();
    private final List<Long> completedPhaseTokens = new ArrayList<>();

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
        if (target != null) {
            completedPhaseTokens.add(tokensSinceStart(state));
        }
        target = t;
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
     * A domain's loss when the phase began: the latest feedback on a checkpoint trained no further than the start that
     * scored it, or else the first one after it that did. Feedback is placed by the tokens its checkpoint had trained,
     * not by its position in the list, so a list trimmed to its most recent entries (the mixer's ledger keeps a bounded
     * history) and evals that arrive late still find the same start.
     */
    public Optional<Double> startLoss(List<EvalFeedback> feedback, String domain) {
        for (int i = feedback.size() - 1; i >= 0; i--) {
            EvalFeedback f = feedback.get(i);
            Double l = f.heldoutLoss().get(domain);
            if (l != null && !after(f)) {
                return Optional.of(l);
            }
        }
        for (EvalFeedback f : feedback) {
            Double l = f.heldoutLoss().get(domain);
            if (l != null && after(f)) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }

    /** The feedback on checkpoints trained past the phase's start, in the list's order. */
    public List<EvalFeedback> sinceStart(List<EvalFeedback> feedback) {
        return feedback.stream().filter(this::after).toList();
    }

    private boolean after(EvalFeedback f) {
        return tokensSinceStart(f) > 0;
    }

    /**
     * The phase's expected length in tokens trained (all domains, replay included), from the stream alone. Two readings,
     * the larger wins:
     *
     * <ul>
     *   <li>the data at hand: tokens trained since the phase began, plus the target's fresh tokens not yet trained
     *       divided by the share the target had last round (what it takes to train on them at that mix; a share of 0 or
     *       none counts as 1, the fewest tokens that could use them up);
     *   <li>the past: the mean length of the phases that already ended, none before the first new domain arrives.
     * </ul>
     *
     * A phase whose data arrives at once is measured by the first reading; one whose data trickles in is expected to be
     * as long as the earlier phases were, and once it outlasts them its progress nears 1 and stays below it.
     */
    public double expectedTokens(MixingState state) {
        long since = tokensSinceStart(state);
        double share = target == null ? 0 : state.previousWeights().getOrDefault(target, 0.0);
        long fresh = target == null ? 0 : state.freshTokens().getOrDefault(target, 0L);
        double fromData = since + fresh / (share > 0 ? share : 1.0);
        double fromPast = completedPhaseTokens.stream()
                .mapToLong(Long::longValue)
                .average()
                .orElse(0);
        return Math.max(fromData, fromPast);
    }

    /**
     * How far through the phase the run is, in [0, 1]: tokens trained since it began against {@code horizonTokens}
     * when that is positive (a proxy run knows its phase length), else against {@link #expectedTokens}.
     */
    public double progress(MixingState state, double horizonTokens) {
        long since = tokensSinceStart(state);
        double length = horizonTokens > 0 ? horizonTokens : expectedTokens(state);
        return length <= 0 ? 0 : Math.min(1, since / length);
    }

    private static long total(Map<String, Long> tokens) {
        long n = 0;
        for (long v : tokens.values()) {
            n += v;
        }
        return n;
    }
}

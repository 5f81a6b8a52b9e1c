package dev.cpt.mixing.agent;

import dev.cpt.mixing.DomainRoles;
import dev.cpt.mixing.EvalFeedback;
import dev.cpt.mixing.MixingState;
import dev.cpt.mixing.PhaseTracker;
import dev.cpt.mixing.Simplex;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The agent's view of a round, over a fixed slot layout so it carries over to domains it never saw: slot 0 is the
 * target domain, slot 1 the upstream (general) domain, slot 2 the other earlier domains pooled (their mean). Per slot:
 * whether it has data, the share it had last round, its loss change since the phase began and over the last eval,
 * both relative to the loss when the phase began. Then the phase's progress in tokens ({@link PhaseTracker#progress}).
 */
public final class Features {
    /** Bumped whenever the layout or a feature's meaning changes; artifacts record the one they were trained on. */
    public static final String LAYOUT_VERSION = "slots-v1";

    public static final int SLOTS = 3;
    public static final List<String> SLOT_NAMES = List.of("target", "upstream", "earlier");
    public static final List<String> NAMES = names();
    public static final int SIZE = NAMES.size();

    private Features() {}

    /** What one round looks like to the agent: the features and, per slot, its mean loss now and at phase start. */
    public record View(double[] features, boolean[] mask, double[] slotLoss, double[] slotStartLoss) {}

    /** @param horizonTokens the phase length progress is measured against; {@code <= 0}: estimated from the stream */
    public static View of(MixingState state, PhaseTracker phase, double horizonTokens) {
        DomainRoles roles = DomainRoles.of(state);
        List<List<String>> slots = slots(roles);
        boolean[] mask = roles.slotMask();
        double[] f = new double[SIZE];
        double[] slotLoss = new double[SLOTS];
        double[] slotStart = new double[SLOTS];
        List<EvalFeedback> feedback = state.feedback();
        for (int s = 0; s < SLOTS; s++) {
            double prevWeight = 0;
            double deltaStart = 0;
            double deltaLast = 0;
            double loss = 0;
            double start = 0;
            int scored = 0;
            for (String d : slots.get(s)) {
                prevWeight += state.previousWeights().getOrDefault(d, 0.0);
                Optional<Double> l0 = phase.startLoss(feedback, d);
                List<Double> recent = lastTwo(feedback, d);
                if (l0.isPresent() && !recent.isEmpty() && l0.get() > 0) {
                    double now = recent.get(0);
                    double before = recent.size() > 1 ? recent.get(1) : now;
                    deltaStart += (now - l0.get()) / l0.get();
                    deltaLast += (now - before) / l0.get();
                    loss += now;
                    start += l0.get();
                    scored++;
                }
            }
            int base = s * 4;
            f[base] = mask[s] ? 1 : 0;
            f[base + 1] = prevWeight;
            f[base + 2] = scored == 0 ? 0 : deltaStart / scored;
            f[base + 3] = scored == 0 ? 0 : deltaLast / scored;
            slotLoss[s] = scored == 0 ? Double.NaN : loss / scored;
            slotStart[s] = scored == 0 ? Double.NaN : start / scored;
        }
        f[SIZE - 1] = phase.progress(state, horizonTokens);
        return new View(f, mask, slotLoss, slotStart);
    }

    /** The domains of each slot. */
    public static List<List<String>> slots(DomainRoles roles) {
        return List.of(
                roles.target() == null ? List.of() : List.of(roles.target()),
                roles.upstream() == null ? List.of() : List.of(roles.upstream()),
                roles.earlier());
    }

    /**
     * A round's weights per domain from slot logits: {@link #slotShares}, the earlier-domains slot split evenly, only
     * domains with available tokens.
     */
    public static Map<String, Double> weights(MixingState state, double[] logits, double minTargetShare) {
        DomainRoles roles = DomainRoles.of(state);
        double[] shares = slotShares(logits, roles.slotMask(), minTargetShare);
        return Simplex.restrict(
                roles.fromSlots(shares[0], shares[1], shares[2]),
                state.availableTokens().keySet());
    }

    /**
     * Slot shares from logits: softmax over the slots that have data, 0 for the rest. A target slot with data gets at
     * least {@code minTargetShare} (in [0, 1), as {@link AgentManifest} checks); the other slots are scaled down to
     * make room, keeping their ratio.
     */
    public static double[] slotShares(double[] logits, boolean[] mask, double minTargetShare) {
        double max = Double.NEGATIVE_INFINITY;
        for (int s = 0; s < SLOTS; s++) {
            if (mask[s]) {
                max = Math.max(max, logits[s]);
            }
        }
        double[] w = new double[SLOTS];
        double total = 0;
        for (int s = 0; s < SLOTS; s++) {
            if (mask[s]) {
                w[s] = Math.exp(logits[s] - max);
                total += w[s];
            }
        }
        for (int s = 0; s < SLOTS; s++) {
            w[s] = total > 0 ? w[s] / total : 0;
        }
        if (mask[0] && w[0] < minTargetShare) {
            double scale = (1 - minTargetShare) / (1 - w[0]);
            for (int s = 1; s < SLOTS; s++) {
                w[s] *= scale;
            }
            w[0] = minTargetShare;
        }
        return w;
    }

    /** The latest loss of a domain first, then the one before it (at most two). */
    private static List<Double> lastTwo(List<EvalFeedback> feedback, String domain) {
        List<Double> out = new ArrayList<>(2);
        for (int i = feedback.size() - 1; i >= 0 && out.size() < 2; i--) {
            Map<String, Double> losses = feedback.get(i).heldoutLoss();
            Double l = losses.get(domain);
            if (l != null && Double.isFinite(l)) {
                out.add(l);
            }
        }
        return out;
    }

    private static List<String> names() {
        List<String> n = new ArrayList<>();
        for (String s : List.of("target", "upstream", "earlier")) {
            n.add(s + ".present");
            n.add(s + ".previous_weight");
            n.add(s + ".loss_change_since_start");
            n.add(s + ".loss_change_last_eval");
        }
        n.add("progress");
        return List.copyOf(n);
    }
}

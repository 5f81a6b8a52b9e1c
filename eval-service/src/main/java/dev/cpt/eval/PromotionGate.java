package dev.cpt.eval;

import dev.cpt.contracts.EvalReport.BranchPoint;
import dev.cpt.contracts.EvalReport.GateDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * Whether a checkpoint may be released. Against a reference (the run's last release, or the base model when there is
 * none): the mean loss of the target domains (the current phase's) must have fallen by at least
 * {@code minTargetImprovement} nats, and no protected domain (every other domain trained so far) may have risen by
 * more than {@code maxProtectedRegression} nats. After a release, a checkpoint whose loss on any trained domain rose
 * more than {@code maxProtectedRegression} above that release's is a regression: the alert names the last good release.
 *
 * <p>A branch run (a GRPO stage) has no LM-loss target, its goal being a reward: it is gated by {@link #decideBranch}
 * against the checkpoint it branched from, every domain that checkpoint was trained on protected.
 */
final class PromotionGate {
    private final double minTargetImprovement;
    private final double maxProtectedRegression;

    PromotionGate(double minTargetImprovement, double maxProtectedRegression) {
        if (!(minTargetImprovement >= 0) || !(maxProtectedRegression >= 0)) {
            throw new IllegalArgumentException(
                    "gate margins must be non-negative: " + minTargetImprovement + ", " + maxProtectedRegression);
        }
        this.minTargetImprovement = minTargetImprovement;
        this.maxProtectedRegression = maxProtectedRegression;
    }

    /** The reference: the last release, or (when {@code release} is false) the base model. */
    record Reference(long step, boolean release, Map<String, Double> losses) {}

    /**
     * @param step the checkpoint's step
     * @param losses its comparable held-out losses
     * @param targets the current phase's domains (empty before any training)
     * @param trained every domain trained so far
     */
    GateDecision decide(
            long step, Map<String, Double> losses, List<String> targets, Set<String> trained, Reference reference) {
        Set<String> protectedDomains = new TreeSet<>(trained);
        protectedDomains.removeAll(targets);
        Long lastRelease = reference.release() ? reference.step() : null;
        String against = (reference.release() ? "release at step " : "base model at step ") + reference.step();

        Map<String, Double> regressions = new TreeMap<>();
        List<String> notComparable = new ArrayList<>();
        compare(protectedDomains, losses, reference.losses(), regressions, notComparable);
        // The alert looks at every trained domain, the target included: after a release any of them may regress.
        Set<String> regressed = reference.release() ? regressed(trained, losses, reference) : Set.of();
        boolean regression = !regressed.isEmpty();

        // a checkpoint refused before any gain is measured: the reason and whether the regression alert stands
        BiFunction<String, Boolean, GateDecision> refused = (why, alert) ->
                decision(false, why, targets, protectedDomains, reference, null, regressions, alert, lastRelease);
        if (step == reference.step()) {
            return refused.apply("the reference itself (" + against + ")", false);
        }
        if (targets.isEmpty()) {
            return refused.apply("no domain trained yet", regression);
        }
        List<Double> gains = new ArrayList<>();
        for (String domain : targets) {
            Double now = losses.get(domain);
            Double before = reference.losses().get(domain);
            if (now == null || before == null) {
                return refused.apply("target " + domain + " has no loss comparable with the " + against, regression);
            }
            gains.add(before - now);
        }
        double improvement =
                gains.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        StringBuilder why = new StringBuilder();
        boolean released = true;
        if (improvement < minTargetImprovement) {
            released = false;
            why.append(String.format(
                    Locale.ROOT,
                    "target %s improved %.4f < %.4f nats vs %s",
                    targets,
                    improvement,
                    minTargetImprovement,
                    against));
        } else {
            why.append(String.format(
                    Locale.ROOT,
                    "target %s improved %.4f >= %.4f nats vs %s",
                    targets,
                    improvement,
                    minTargetImprovement,
                    against));
        }
        List<String> overMargin = overMargin(regressions);
        for (String over : overMargin) {
            released = false;
            why.append("; ").append(over);
        }
        if (released) {
            why.append(String.format(
                    Locale.ROOT, "; no protected domain regressed more than %.4f", maxProtectedRegression));
        }
        if (!notComparable.isEmpty()) {
            why.append("; not comparable (ignored): ").append(notComparable);
        }
        if (regression) {
            why.append("; REGRESSION after release at step ")
                    .append(reference.step())
                    .append(" on ")
                    .append(regressed);
        }
        return decision(
                released,
                why.toString(),
                targets,
                protectedDomains,
                reference,
                improvement,
                regressions,
                regression,
                released ? Long.valueOf(step) : lastRelease);
    }

    /**
     * The gate of a checkpoint of a branch run: released iff no protected domain's held-out loss rose more than
     * {@code maxProtectedRegression} above the branch point's (and at least one could be compared). A protected domain
     * without a comparable loss on both sides is listed and ignored, as in {@link #decide}. The regression alert is the
     * usual one, against the branch run's last release; the release decision stays against the branch point, so
     * successive releases cannot drift further from it than the margin.
     *
     * @param step the checkpoint's step in the branch run; step 0 holds the branch point's own weights
     * @param losses its comparable held-out losses
     * @param protectedDomains every domain the branch point was trained on
     * @param branchPoint where the branch started
     * @param branchLosses the branch point's losses on the current held-out sets
     * @param lastRelease the branch run's last release before this checkpoint, or null
     */
    GateDecision decideBranch(
            long step,
            Map<String, Double> losses,
            Set<String> protectedDomains,
            BranchPoint branchPoint,
            Map<String, Double> branchLosses,
            Reference lastRelease) {
        long referenceStep = branchPoint.step() == null ? -1 : branchPoint.step();
        Map<String, Double> regressions = new TreeMap<>();
        List<String> notComparable = new ArrayList<>();
        compare(new TreeSet<>(protectedDomains), losses, branchLosses, regressions, notComparable);
        Set<String> regressed = lastRelease == null ? Set.of() : regressed(protectedDomains, losses, lastRelease);
        Long lastGood = lastRelease == null ? null : lastRelease.step();
        StringBuilder why = new StringBuilder("GRPO/branch gate (no target) vs branch point ")
                .append(branchPoint.describe())
                .append(": ");
        boolean released = false;
        if (step == 0) {
            why.append("step 0 holds the branch point's own weights, nothing trained yet");
        } else if (regressions.isEmpty()) {
            why.append("no protected domain has a loss comparable with the branch point");
        } else {
            List<String> overMargin = overMargin(regressions);
            released = overMargin.isEmpty();
            if (released) {
                why.append(String.format(
                        Locale.ROOT,
                        "no protected domain of %s regressed more than %.4f",
                        regressions.keySet(),
                        maxProtectedRegression));
            } else {
                why.append(String.join("; ", overMargin));
            }
        }
        if (!notComparable.isEmpty()) {
            why.append("; not comparable (ignored): ").append(notComparable);
        }
        if (!regressed.isEmpty()) {
            why.append("; REGRESSION after release at step ")
                    .append(lastRelease.step())
                    .append(" on ")
                    .append(regressed);
        }
        return new GateDecision(
                released,
                why.toString(),
                List.of(),
                referenceStep,
                false,
                null,
                regressions,
                !regressed.isEmpty(),
                released ? Long.valueOf(step) : lastGood,
                List.copyOf(new TreeSet<>(protectedDomains)),
                branchPoint);
    }

    /** Each protected domain's rise over the reference into {@code regressions}, or into {@code notComparable}. */
    private static void compare(
            Set<String> protectedDomains,
            Map<String, Double> losses,
            Map<String, Double> reference,
            Map<String, Double> regressions,
            List<String> notComparable) {
        for (String domain : protectedDomains) {
            Double now = losses.get(domain);
            Double before = reference.get(domain);
            if (now == null || before == null) {
                notComparable.add(domain);
            } else {
                regressions.put(domain, now - before);
            }
        }
    }

    /** The domains among {@code domains} whose loss rose more than the margin above the release's. */
    private Set<String> regressed(Set<String> domains, Map<String, Double> losses, Reference release) {
        Set<String> regressed = new TreeSet<>();
        for (String domain : domains) {
            Double now = losses.get(domain);
            Double before = release.losses().get(domain);
            if (now != null && before != null && now - before > maxProtectedRegression) {
                regressed.add(domain);
            }
        }
        return regressed;
    }

    /** Each protected domain that rose more than the margin, as the reason names it. */
    private List<String> overMargin(Map<String, Double> regressions) {
        List<String> over = new ArrayList<>();
        regressions.forEach((domain, rise) -> {
            if (rise > maxProtectedRegression) {
                over.add(String.format(
                        Locale.ROOT, "protected %s regressed %.4f > %.4f", domain, rise, maxProtectedRegression));
            }
        });
        return over;
    }

    private static GateDecision decision(
            boolean released,
            String reason,
            List<String> targets,
            Set<String> protectedDomains,
            Reference reference,
            Double improvement,
            Map<String, Double> regressions,
            boolean regression,
            Long lastGood) {
        return new GateDecision(
                released,
                reason,
                targets,
                reference.step(),
                reference.release(),
                improvement,
                regressions,
                regression,
                lastGood,
                List.copyOf(protectedDomains),
                null);
    }
}

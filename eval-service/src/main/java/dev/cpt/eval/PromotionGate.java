package dev.cpt.eval;

import dev.cpt.contracts.EvalReport.GateDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Whether a checkpoint may be released. Against a reference (the run's last release, or the base model when there is
 * none): the mean loss of the target domains (the current phase's) must have fallen by at least
 * {@code minTargetImprovement} nats, and no protected domain (every other domain trained so far) may have risen by
 * more than {@code maxProtectedRegression} nats. After a release, a checkpoint whose loss on any trained domain rose
 * more than {@code maxProtectedRegression} above that release's is a regression: the alert names the last good release.
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
        for (String domain : protectedDomains) {
            Double now = losses.get(domain);
            Double before = reference.losses().get(domain);
            if (now == null || before == null) {
                notComparable.add(domain);
            } else {
                regressions.put(domain, now - before);
            }
        }
        // The alert looks at every trained domain, the target included: after a release any of them may regress.
        Set<String> regressed = new TreeSet<>();
        if (reference.release()) {
            for (String domain : trained) {
                Double now = losses.get(domain);
                Double before = reference.losses().get(domain);
                if (now != null && before != null && now - before > maxProtectedRegression) {
                    regressed.add(domain);
                }
            }
        }
        boolean regression = !regressed.isEmpty();

        if (step == reference.step()) {
            return decision(
                    false,
                    "the reference itself (" + against + ")",
                    targets,
                    reference,
                    null,
                    regressions,
                    false,
                    lastRelease);
        }
        if (targets.isEmpty()) {
            return decision(
                    false, "no domain trained yet", targets, reference, null, regressions, regression, lastRelease);
        }
        List<Double> gains = new ArrayList<>();
        for (String domain : targets) {
            Double now = losses.get(domain);
            Double before = reference.losses().get(domain);
            if (now == null || before == null) {
                return decision(
                        false,
                        "target " + domain + " has no loss comparable with the " + against,
                        targets,
                        reference,
                        null,
                        regressions,
                        regression,
                        lastRelease);
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
        for (var r : regressions.entrySet()) {
            if (r.getValue() > maxProtectedRegression) {
                released = false;
                why.append(String.format(
                        Locale.ROOT,
                        "; protected %s regressed %.4f > %.4f",
                        r.getKey(),
                        r.getValue(),
                        maxProtectedRegression));
            }
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
                reference,
                improvement,
                regressions,
                regression,
                released ? Long.valueOf(step) : lastRelease);
    }

    private static GateDecision decision(
            boolean released,
            String reason,
            List<String> targets,
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
                lastGood);
    }
}

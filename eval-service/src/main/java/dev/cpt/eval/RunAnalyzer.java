package dev.cpt.eval;

import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.EvalReport.BranchPoint;
import dev.cpt.contracts.EvalReport.ContinualMetrics;
import dev.cpt.contracts.EvalReport.GateDecision;
import dev.cpt.contracts.EvalReport.HeldoutSetInfo;
import dev.cpt.contracts.EvalReport.Phase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Puts a freshly scored checkpoint in the context of its run: which earlier losses are comparable with it, the
 * continual-learning metrics and the gate decision. A loss is comparable only if it was scored on the domain's current
 * held-out set (same hash). The checkpoints the metrics hinge on (the base model, the last checkpoint of every phase,
 * the last release) are rescored on any domain whose set they were not scored on, e.g. a domain whose held-out
 * documents arrived after them, so that R and the base row are complete whatever order data arrived in.
 *
 * <p>A branch run (a GRPO stage, whose checkpoints name the checkpoint they branched from) is measured against its
 * branch point instead: the branch point's losses come from its own report in the parent run's history where they are
 * comparable, and are rescored where they are not (or when eval has no such report); every domain the branch point
 * was trained on is protected.
 */
final class RunAnalyzer {
    /** Scores an earlier checkpoint on some domains' current sets: loss per domain, absent where it cannot. */
    interface Rescorer {
        Map<String, Double> losses(EvalReport checkpoint, Map<String, HeldoutSet.DomainSet> sets);
    }

    /** The parent run's report on a branch point (same run, step and checkpoint URI), when eval has one. */
    interface BranchReports {
        Optional<EvalReport> reportOn(BranchPoint branchPoint);
    }

    record Analysis(ContinualMetrics continual, GateDecision gate) {}

    private final PromotionGate gate;
    private final double tolerance;
    private final Rescorer rescorer;
    private final BranchReports branchReports;

    RunAnalyzer(PromotionGate gate, double tolerance, Rescorer rescorer, BranchReports branchReports) {
        this.gate = gate;
        this.tolerance = tolerance;
        this.rescorer = rescorer;
        this.branchReports = branchReports;
    }

    /**
     * @param history the run's earlier reports (steps before {@code current}'s), in step order
     * @param current the checkpoint just scored on {@code snapshot}
     * @param branchPoint the checkpoint the run branched from, or null when it is not a branch
     */
    Analysis analyze(
            List<EvalReport> history, EvalReport current, HeldoutSet.Snapshot snapshot, BranchPoint branchPoint) {
        return branchPoint == null
                ? analyze(history, current, snapshot)
                : analyzeBranch(history, current, snapshot, branchPoint);
    }

    /**
     * @param history the run's earlier reports (steps before {@code current}'s), in step order
     * @param current the checkpoint just scored on {@code snapshot}
     */
    Analysis analyze(List<EvalReport> history, EvalReport current, HeldoutSet.Snapshot snapshot) {
        List<EvalReport> scored = scored(history, current);
        List<RunPoint> points = comparable(scored, snapshot);
        List<Phase> phases = PhaseInference.phases(points);

        EvalReport lastRelease = lastRelease(history);
        Set<Long> anchors = new TreeSet<>();
        anchors.add(points.get(0).step());
        phases.forEach(p -> anchors.add(p.lastStep()));
        if (lastRelease != null) {
            anchors.add(lastRelease.step());
        }
        for (int i = 0; i < points.size() - 1; i++) {
            if (anchors.contains(points.get(i).step())) {
                points.set(i, completed(scored.get(i), points.get(i), snapshot));
            }
        }

        ContinualMetrics continual = ContinualLearning.compute(points, tolerance);
        RunPoint now = points.get(points.size() - 1);
        List<String> targets =
                phases.isEmpty() ? List.of() : phases.get(phases.size() - 1).domains();
        Set<String> trained = new TreeSet<>();
        phases.forEach(p -> trained.addAll(p.domains()));
        PromotionGate.Reference reference;
        if (lastRelease != null) {
            reference = releaseReference(lastRelease, points);
        } else {
            reference = new PromotionGate.Reference(
                    points.get(0).step(), false, points.get(0).losses());
        }
        return new Analysis(continual, gate.decide(now.step(), now.losses(), targets, trained, reference));
    }

    /**
     * A checkpoint of a branch run: forgetting against the branch point, and the branch gate (see {@link
     * PromotionGate#decideBranch}), whose regression alert looks at the branch run's last release.
     */
    private Analysis analyzeBranch(
            List<EvalReport> history, EvalReport current, HeldoutSet.Snapshot snapshot, BranchPoint branchPoint) {
        List<EvalReport> scored = scored(history, current);
        List<RunPoint> points = comparable(scored, snapshot);
        EvalReport lastRelease = lastRelease(history);
        PromotionGate.Reference release = null;
        if (lastRelease != null) {
            int at = scored.indexOf(lastRelease);
            points.set(at, completed(lastRelease, points.get(at), snapshot));
            release = releaseReference(lastRelease, points);
        }
        RunPoint base = branchPointLosses(branchPoint, snapshot);
        Set<String> protectedDomains = new TreeSet<>();
        current.tokensPerDomain().forEach((domain, tokens) -> {
            if (tokens != null && tokens > 0) {
                protectedDomains.add(domain);
            }
        });
        RunPoint now = points.get(points.size() - 1);
        return new Analysis(
                ContinualLearning.branch(base, points),
                gate.decideBranch(now.step(), now.losses(), protectedDomains, branchPoint, base.losses(), release));
    }

    /** The branch point's losses on the current sets: from its own report where comparable, the rest rescored. */
    private RunPoint branchPointLosses(BranchPoint branchPoint, HeldoutSet.Snapshot snapshot) {
        long step = branchPoint.step() == null ? -1 : branchPoint.step();
        Optional<EvalReport> own = branchReports.reportOn(branchPoint);
        if (own.isPresent()) {
            return completed(own.get(), comparable(own.get(), snapshot), snapshot);
        }
        // No report to start from: the rescorer needs only the checkpoint's location (no manifest hash to pin).
        EvalReport unscored = new EvalReport(
                branchPoint.runId() == null ? "branch-point" : branchPoint.runId(),
                step,
                null,
                Map.of(),
                null,
                null,
                Instant.EPOCH,
                branchPoint.checkpointUri(),
                null,
                null,
                null,
                null,
                null);
        return completed(unscored, new RunPoint(step, Map.of(), Map.of()), snapshot);
    }

    private static List<EvalReport> scored(List<EvalReport> history, EvalReport current) {
        List<EvalReport> scored =
                new ArrayList<>(history.stream().filter(r -> !r.failed()).toList());
        scored.add(current);
        return scored;
    }

    /** The last report in {@code history} that the gate released, or null. */
    static EvalReport lastRelease(List<EvalReport> history) {
        EvalReport lastRelease = null;
        for (EvalReport r : history) {
            if (!r.failed() && r.gate() != null && r.gate().released()) {
                lastRelease = r;
            }
        }
        return lastRelease;
    }

    private static PromotionGate.Reference releaseReference(EvalReport release, List<RunPoint> points) {
        long step = release.step();
        return new PromotionGate.Reference(
                step,
                true,
                points.stream()
                        .filter(p -> p.step() == step)
                        .findFirst()
                        .orElseThrow()
                        .losses());
    }

    /** Each report's comparable losses, in a list the caller may complete point by point. */
    private static List<RunPoint> comparable(List<EvalReport> reports, HeldoutSet.Snapshot snapshot) {
        return new ArrayList<>(
                reports.stream().map(r -> comparable(r, snapshot)).toList());
    }

    /** The report's losses that were scored on the domain's current set. */
    static RunPoint comparable(EvalReport report, HeldoutSet.Snapshot snapshot) {
        Map<String, Double> losses = new TreeMap<>();
        report.domains().forEach((domain, score) -> {
            HeldoutSetInfo scoredOn = report.heldoutSets().get(domain);
            HeldoutSet.DomainSet current = snapshot.sets().get(domain);
            if (scoredOn != null && current != null && scoredOn.sha256().equals(current.sha256())) {
                losses.put(domain, score.loss());
            }
        });
        return new RunPoint(report.step(), report.tokensPerDomain(), losses);
    }

    private RunPoint completed(EvalReport report, RunPoint point, HeldoutSet.Snapshot snapshot) {
        Map<String, HeldoutSet.DomainSet> missing = new TreeMap<>(snapshot.sets());
        missing.keySet().removeAll(point.losses().keySet());
        if (missing.isEmpty() || report.checkpointUri() == null) {
            return point;
        }
        return point.withLosses(rescorer.losses(report, missing));
    }
}

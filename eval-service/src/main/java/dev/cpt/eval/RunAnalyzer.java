package dev.cpt.eval;

import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.EvalReport.ContinualMetrics;
import dev.cpt.contracts.EvalReport.GateDecision;
import dev.cpt.contracts.EvalReport.HeldoutSetInfo;
import dev.cpt.contracts.EvalReport.Phase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Puts a freshly scored checkpoint in the context of its run: which earlier losses are comparable with it, the
 * continual-learning metrics and the gate decision. A loss is comparable only if it was scored on the domain's current
 * held-out set (same hash). The checkpoints the metrics hinge on (the base model, the last checkpoint of every phase,
 * the last release) are rescored on any domain whose set they were not scored on, e.g. a domain whose held-out
 * documents arrived after them, so that R and the base row are complete whatever order data arrived in.
 */
final class RunAnalyzer {
    /** Scores an earlier checkpoint on some domains' current sets: loss per domain, absent where it cannot. */
    interface Rescorer {
        Map<String, Double> losses(EvalReport checkpoint, Map<String, HeldoutSet.DomainSet> sets);
    }

    record Analysis(ContinualMetrics continual, GateDecision gate) {}

    private final PromotionGate gate;
    private final double tolerance;
    private final Rescorer rescorer;

    RunAnalyzer(PromotionGate gate, double tolerance, Rescorer rescorer) {
        this.gate = gate;
        this.tolerance = tolerance;
        this.rescorer = rescorer;
    }

    /**
     * @param history the run's earlier reports (steps before {@code current}'s), in step order
     * @param current the checkpoint just scored on {@code snapshot}
     */
    Analysis analyze(List<EvalReport> history, EvalReport current, HeldoutSet.Snapshot snapshot) {
        List<EvalReport> scored =
                new ArrayList<>(history.stream().filter(r -> !r.failed()).toList());
        scored.add(current);
        List<RunPoint> points = new ArrayList<>(
                scored.stream().map(r -> comparable(r, snapshot)).toList());
        List<Phase> phases = PhaseInference.phases(points);

        EvalReport lastRelease = null;
        for (EvalReport r : history) {
            if (!r.failed() && r.gate() != null && r.gate().released()) {
                lastRelease = r;
            }
        }
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
            long step = lastRelease.step();
            reference = new PromotionGate.Reference(
                    step,
                    true,
                    points.stream()
                            .filter(p -> p.step() == step)
                            .findFirst()
                            .orElseThrow()
                            .losses());
        } else {
            reference = new PromotionGate.Reference(
                    points.get(0).step(), false, points.get(0).losses());
        }
        return new Analysis(continual, gate.decide(now.step(), now.losses(), targets, trained, reference));
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

package dev.cpt.eval;

import dev.cpt.contracts.EvalReport.ContinualMetrics;
import dev.cpt.contracts.EvalReport.MatrixRow;
import dev.cpt.contracts.EvalReport.Phase;
import dev.cpt.contracts.EvalReport.StabilityGap;
import dev.cpt.contracts.Forgetting;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Continual-learning metrics of a run from its scored checkpoints, with losses (nats, lower is better).
 *
 * <p>Phases 0..T-1 as {@link PhaseInference} finds them; p(j) is the phase in which domain j was first trained.
 * R[i][j] is the held-out loss on domain j at the last checkpoint of phase i (for the current phase T-1: the latest
 * checkpoint); b[j] is the loss of the base model (the run's earliest checkpoint) on j; L[j] is the latest loss.
 * <ul>
 *   <li>forgetting[j] = L[j] - min over all checkpoints so far of loss[j]  (&ge; 0; how far from its best) and
 *       forgettingVsBase[j] = L[j] - b[j]  (&gt; 0: worse than before any training), both by {@link Forgetting},
 *       which the trainer's GRPO vs SFT benchmark uses too</li>
 *   <li>BWT = mean over domains j with p(j) &lt; T-1 of (R[p(j)][j] - R[T-1][j])  (positive: later phases improved
 *       earlier domains; negative: forgetting). Needs T &ge; 2.</li>
 *   <li>FWT = mean over domains j with p(j) &ge; 1 of (b[j] - R[p(j)-1][j])  (positive: the earlier phases already
 *       lowered j's loss before j was trained). Needs T &ge; 2.</li>
 *   <li>Stability gap of phase k &ge; 1 on an earlier domain j, with reference r = R[k-1][j] at step s0 (the last
 *       checkpoint before phase k's training): depth = max(0, max over phase k's checkpoints of loss[j] - r), at the
 *       peak step; recovery steps = (first checkpoint at or after the peak with loss[j] &le; r + tolerance) - s0,
 *       0 when it never left the tolerance, null while it has not come back.</li>
 * </ul>
 * An entry whose inputs are missing (a domain not scored on a comparable set) is left out of the means and maps.
 */
final class ContinualLearning {
    private ContinualLearning() {}

    /** The metrics at the last of {@code points} (sorted by step, at least one). */
    static ContinualMetrics compute(List<RunPoint> points, double tolerance) {
        if (points.isEmpty()) {
            throw new IllegalArgumentException("no scored checkpoint");
        }
        List<Phase> phases = PhaseInference.phases(points);
        Map<Long, RunPoint> byStep = new HashMap<>();
        points.forEach(p -> byStep.put(p.step(), p));
        RunPoint base = points.get(0);
        RunPoint latest = points.get(points.size() - 1);

        List<MatrixRow> matrix = new ArrayList<>();
        for (Phase phase : phases) {
            matrix.add(new MatrixRow(
                    phase.index(),
                    phase.lastStep(),
                    byStep.get(phase.lastStep()).losses()));
        }
        Map<String, Integer> phaseOf = new TreeMap<>();
        phases.forEach(ph -> ph.domains().forEach(d -> phaseOf.put(d, ph.index())));

        Forgetting forgetting =
                Forgetting.of(points.stream().map(RunPoint::losses).toList());

        int t = phases.size();
        Double bwt = null;
        Double fwt = null;
        if (t >= 2) {
            Map<String, Double> last = matrix.get(t - 1).losses();
            List<Double> backward = new ArrayList<>();
            List<Double> forward = new ArrayList<>();
            phaseOf.forEach((domain, p) -> {
                if (p < t - 1) {
                    Double trained = matrix.get(p).losses().get(domain);
                    Double now = last.get(domain);
                    if (trained != null && now != null) {
                        backward.add(trained - now);
                    }
                }
                if (p >= 1) {
                    Double before = matrix.get(p - 1).losses().get(domain);
                    Double b = base.loss(domain);
                    if (before != null && b != null) {
                        forward.add(b - before);
                    }
                }
            });
            bwt = mean(backward);
            fwt = mean(forward);
        }

        return new ContinualMetrics(
                base.step(),
                base.losses(),
                phases,
                matrix,
                forgetting.vsBest(),
                forgetting.vsBase(),
                bwt,
                fwt,
                stabilityGaps(points, phases, matrix, tolerance));
    }

    /**
     * The metrics of a branch run (a GRPO stage), whose base is the checkpoint it branched from: forgetting per domain
     * against that branch point. A branch trains no domain, so it has no phases, no matrix, no transfer and no
     * stability gap.
     *
     * @param branchPoint the branch point's losses on the current held-out sets (its step is in its own run)
     * @param points the branch run's scored checkpoints, in step order
     */
    static ContinualMetrics branch(RunPoint branchPoint, List<RunPoint> points) {
        List<Map<String, Double>> losses = new ArrayList<>();
        losses.add(branchPoint.losses());
        points.forEach(p -> losses.add(p.losses()));
        Forgetting forgetting = Forgetting.of(losses);
        return new ContinualMetrics(
                branchPoint.step(),
                branchPoint.losses(),
                List.of(),
                List.of(),
                forgetting.vsBest(),
                forgetting.vsBase(),
                null,
                null,
                List.of());
    }

    private static List<StabilityGap> stabilityGaps(
            List<RunPoint> points, List<Phase> phases, List<MatrixRow> matrix, double tolerance) {
        List<StabilityGap> gaps = new ArrayList<>();
        for (int k = 1; k < phases.size(); k++) {
            Phase phase = phases.get(k);
            MatrixRow reference = matrix.get(k - 1);
            List<RunPoint> inPhase = points.stream()
                    .filter(p -> p.step() >= phase.startStep() && p.step() <= phase.lastStep())
                    .toList();
            for (int i = 0; i < k; i++) {
                for (String domain : phases.get(i).domains()) {
                    Double r = reference.losses().get(domain);
                    if (r != null) {
                        gap(k, domain, reference.step(), r, inPhase, tolerance).ifPresent(gaps::add);
                    }
                }
            }
        }
        return gaps;
    }

    private static java.util.Optional<StabilityGap> gap(
            int phase, String domain, long startStep, double reference, List<RunPoint> inPhase, double tolerance) {
        double depth = 0;
        long peakStep = startStep;
        int peakIndex = -1;
        boolean scored = false;
        for (int i = 0; i < inPhase.size(); i++) {
            Double loss = inPhase.get(i).loss(domain);
            if (loss == null) {
                continue;
            }
            scored = true;
            if (loss - reference > depth) {
                depth = loss - reference;
                peakStep = inPhase.get(i).step();
                peakIndex = i;
            }
        }
        if (!scored) {
            return java.util.Optional.empty();
        }
        Long recovery = null;
        if (depth <= tolerance) {
            recovery = 0L;
        } else {
            for (int i = peakIndex; i < inPhase.size(); i++) {
                Double loss = inPhase.get(i).loss(domain);
                if (loss != null && loss <= reference + tolerance) {
                    recovery = inPhase.get(i).step() - startStep;
                    break;
                }
            }
        }
        return java.util.Optional.of(new StabilityGap(phase, domain, startStep, depth, peakStep, recovery));
    }

    private static Double mean(List<Double> values) {
        return values.isEmpty()
                ? null
                : values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }
}

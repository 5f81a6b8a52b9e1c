package dev.cpt.eval;

import dev.cpt.contracts.EvalReport.Phase;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The domain sequence of a run, inferred from its checkpoints' training tokens per domain: a phase starts at the
 * first checkpoint where a domain's tokens are non-zero (domains that first appear together share a phase); the
 * general/replay domain trained from the start is phase 0. A phase's last checkpoint is the one before the next
 * phase starts, or the latest checkpoint for the current phase. Checkpoints before phase 0 (the untrained step-0
 * base) belong to no phase.
 */
final class PhaseInference {
    private PhaseInference() {}

    /** Phases of the points, which must be sorted by step. */
    static List<Phase> phases(List<RunPoint> points) {
        List<Phase> phases = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < points.size(); i++) {
            RunPoint p = points.get(i);
            Set<String> fresh = new TreeSet<>();
            p.tokensPerDomain().forEach((domain, tokens) -> {
                if (tokens != null && tokens > 0 && !seen.contains(domain)) {
                    fresh.add(domain);
                }
            });
            if (fresh.isEmpty()) {
                continue;
            }
            seen.addAll(fresh);
            if (!phases.isEmpty()) {
                Phase previous = phases.remove(phases.size() - 1);
                phases.add(new Phase(
                        previous.index(),
                        previous.domains(),
                        previous.startStep(),
                        points.get(i - 1).step()));
            }
            phases.add(new Phase(phases.size(), List.copyOf(fresh), p.step(), p.step()));
        }
        if (!phases.isEmpty()) {
            Phase current = phases.remove(phases.size() - 1);
            phases.add(new Phase(
                    current.index(),
                    current.domains(),
                    current.startStep(),
                    points.get(points.size() - 1).step()));
        }
        return phases;
    }
}

package dev.cpt.contracts;

import java.util.Set;

/**
 * Where a training run is in its learning-rate schedule: the current phase, the step it began at, the step a
 * cooldown began at ({@code -1} when none is under way), and the domains trained so far (a new one may open a phase).
 */
public record SchedulePhase(int phase, long phaseStartStep, long cooldownStartStep, Set<String> domainsSeen) {
    public SchedulePhase {
        domainsSeen = Set.copyOf(domainsSeen);
    }

    public static SchedulePhase initial() {
        return new SchedulePhase(0, 0, -1, Set.of());
    }
}

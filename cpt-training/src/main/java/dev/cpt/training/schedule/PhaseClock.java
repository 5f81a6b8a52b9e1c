package dev.cpt.training.schedule;

import dev.cpt.contracts.SchedulePhase;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where the run is in its current phase. A phase begins at the run's first step, when a batch brings a domain the run
 * has not trained on (if re-warming on new domains is on), or when an operator asks; a cooldown runs from the step it
 * was requested until the next phase. The state travels in every checkpoint, so a resumed run keeps its schedule.
 */
public final class PhaseClock {
    private final boolean rewarmOnNewDomain;
    private SchedulePhase state;

    public PhaseClock(boolean rewarmOnNewDomain, SchedulePhase state) {
        this.rewarmOnNewDomain = rewarmOnNewDomain;
        this.state = state;
    }

    /** Called before the step {@code step} trains on {@code domains}; returns true when this step opens a new phase. */
    public boolean beforeStep(long step, Set<String> domains) {
        Set<String> seen = new TreeSet<>(state.domainsSeen());
        boolean newDomain = seen.addAll(domains) && !state.domainsSeen().isEmpty();
        state = new SchedulePhase(state.phase(), state.phaseStartStep(), state.cooldownStartStep(), seen);
        if (newDomain && rewarmOnNewDomain) {
            startPhase(step);
            return true;
        }
        return false;
    }

    public void startPhase(long step) {
        state = new SchedulePhase(state.phase() + 1, step, -1, state.domainsSeen());
    }

    public void startCooldown(long step) {
        if (state.cooldownStartStep() < 0) {
            state = new SchedulePhase(state.phase(), state.phaseStartStep(), step, state.domainsSeen());
        }
    }

    public double learningRate(LearningRateSchedule schedule, long step) {
        long intoCooldown = state.cooldownStartStep() < 0 ? -1 : step - state.cooldownStartStep();
        return schedule.learningRate(step - state.phaseStartStep(), intoCooldown);
    }

    /** Whether the step just taken, making the run's step count {@code step}, was the last of a cooldown. */
    public boolean cooldownEndsAt(long step, LearningRateSchedule schedule) {
        return state.cooldownStartStep() >= 0 && step - state.cooldownStartStep() == schedule.cooldownSteps();
    }

    public SchedulePhase state() {
        return state;
    }
}

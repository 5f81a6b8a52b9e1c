package dev.cpt.training.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.SchedulePhase;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
    private static final double EPS = 1e-12;

    @Test
    void cosineWarmsUpLinearlyDecaysToTheMinimumAndHoldsIt() {
        var s = new LearningRateSchedule.CosineRewarm(1e-3, 1e-4, 10, 100);
        assertEquals(1e-4, s.learningRate(0, -1), EPS); // first warmup step: peak / 10
        assertEquals(1e-3, s.learningRate(9, -1), EPS); // last warmup step reaches the peak
        assertEquals(1e-3, s.learningRate(10, -1), EPS); // decay starts at the peak
        assertEquals(5.5e-4, s.learningRate(60, -1), EPS); // half way: (peak + min) / 2
        assertEquals(1e-4, s.learningRate(110, -1), EPS);
        assertEquals(1e-4, s.learningRate(10_000, -1), EPS);
        for (long step = 11; step < 110; step++) {
            assertTrue(s.learningRate(step, -1) < s.learningRate(step - 1, -1), "not decreasing at " + step);
        }
    }

    @Test
    void wsdHoldsThePeakUntilAReleaseDecaysIt() {
        var s = new LearningRateSchedule.WarmupStableDecay(2e-3, 0, 4, 10);
        assertEquals(5e-4, s.learningRate(0, -1), EPS);
        assertEquals(2e-3, s.learningRate(4, -1), EPS);
        assertEquals(2e-3, s.learningRate(50_000, -1), EPS);
        assertEquals(1.8e-3, s.learningRate(500, 0), EPS); // first decay step
        assertEquals(0.0, s.learningRate(509, 9), EPS); // last decay step reaches min
        assertEquals(0.0, s.decayed(25), EPS);
    }

    @Test
    void infiniteAnnealsToAPlateauThatNeverEndsAndCoolsDownOnRequest() {
        var s = new LearningRateSchedule.Infinite(1e-3, 5e-4, 0, 0, 100, 4);
        assertEquals(1e-3, s.learningRate(0, -1), EPS);
        assertEquals(7.5e-4, s.learningRate(50, -1), EPS);
        assertEquals(5e-4, s.learningRate(100, -1), EPS);
        assertEquals(5e-4, s.learningRate(1_000_000, -1), EPS);
        // cooldown requested at step 200 of the phase: 4 linear steps from the plateau to the minimum
        assertEquals(5e-4 - 1.25e-4, s.learningRate(200, 0), EPS);
        assertEquals(0.0, s.learningRate(203, 3), EPS);
        assertEquals(0.0, s.learningRate(400, 200), EPS);
    }

    @Test
    void aNewDomainStartsAPhaseThatReWarms() {
        var schedule = new LearningRateSchedule.CosineRewarm(1e-3, 0, 10, 100);
        var clock = new PhaseClock(true, SchedulePhase.initial());
        assertFalse(clock.beforeStep(0, Set.of("general")));
        assertEquals(1e-4, clock.learningRate(schedule, 0), EPS);
        assertFalse(clock.beforeStep(500, Set.of("general")));
        assertEquals(0.0, clock.learningRate(schedule, 500), EPS);

        assertTrue(clock.beforeStep(501, Set.of("general", "law")));
        assertEquals(1, clock.state().phase());
        assertEquals(1e-4, clock.learningRate(schedule, 501), EPS); // re-warm from the first warmup step
        assertFalse(clock.beforeStep(502, Set.of("law")));
        assertEquals(Set.of("general", "law"), clock.state().domainsSeen());
    }

    @Test
    void withoutReWarmANewDomainKeepsThePhaseAndAnOperatorCanStartOne() {
        var clock = new PhaseClock(false, SchedulePhase.initial());
        clock.beforeStep(0, Set.of("general"));
        assertFalse(clock.beforeStep(10, Set.of("law")));
        assertEquals(0, clock.state().phase());
        clock.startPhase(20);
        assertEquals(new SchedulePhase(1, 20, -1, Set.of("general", "law")), clock.state());
        clock.startCooldown(30);
        clock.startCooldown(35); // a second request does not move the start
        assertEquals(30, clock.state().cooldownStartStep());
        clock.startPhase(40);
        assertEquals(-1, clock.state().cooldownStartStep());
    }

    @Test
    void aCooldownEndsAfterItsLengthAndSchedulesWithoutOneNeverEndOne() {
        var infinite = new LearningRateSchedule.Infinite(1e-3, 5e-4, 0, 0, 10, 3);
        var clock = new PhaseClock(true, SchedulePhase.initial());
        clock.startCooldown(100); // the steps numbered 100, 101, 102 cool down; after them the count is 103
        assertFalse(clock.cooldownEndsAt(102, infinite));
        assertTrue(clock.cooldownEndsAt(103, infinite));
        assertFalse(clock.cooldownEndsAt(104, infinite));
        assertEquals(0, new LearningRateSchedule.CosineRewarm(1, 0, 1, 1).cooldownSteps());
        assertEquals(7, new LearningRateSchedule.WarmupStableDecay(1, 0, 1, 7).cooldownSteps());
    }

    @Test
    void settingsBuildTheScheduleOfTheirKindFromTheSettingsItHas() {
        var settings = new ScheduleSettings(ScheduleSettings.Kind.constant, 1e-3, 1e-5, 5e-4, 2, 30, 40, 5);
        assertEquals(new LearningRateSchedule.Constant(1e-3), settings.schedule());
        assertEquals(
                new LearningRateSchedule.CosineRewarm(1e-3, 1e-5, 2, 30),
                withKind(settings, ScheduleSettings.Kind.cosine).schedule());
        assertEquals(
                new LearningRateSchedule.WarmupStableDecay(1e-3, 1e-5, 2, 30),
                withKind(settings, ScheduleSettings.Kind.wsd).schedule());
        assertEquals(
                new LearningRateSchedule.Infinite(1e-3, 5e-4, 1e-5, 2, 40, 5),
                withKind(settings, ScheduleSettings.Kind.infinite).schedule());
    }

    private static ScheduleSettings withKind(ScheduleSettings s, ScheduleSettings.Kind kind) {
        return new ScheduleSettings(
                kind,
                s.peak(),
                s.min(),
                s.plateau(),
                s.warmupSteps(),
                s.decaySteps(),
                s.annealSteps(),
                s.cooldownSteps());
    }
}

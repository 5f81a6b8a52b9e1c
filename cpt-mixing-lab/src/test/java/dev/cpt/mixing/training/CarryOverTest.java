package dev.cpt.mixing.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.cpt.mixing.agent.Features;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CarryOverTest {
    private static final double NAN = Double.NaN;

    /**
     * A two-phase run (general, a, b) whose first phase gave the target {@code share} in both its rounds. Losses at
     * phase 1's start: a 5.0, general 2.0 plus the seed's offset. Over phase 1, a falls by 2 x share and general rises
     * by share; at the run's end a is 0.1 x 2 x share and general 0.5 x share from where phase 1 began. The phase-end
     * losses also carry evaluation noise that nothing after the phase inherits.
     */
    private static Trajectory run(long seed, double offset, double share, double evalNoise) {
        double a0 = 5.0 + offset;
        double g0 = 2.0 + offset;
        double aEnd = a0 - 2 * share + evalNoise;
        double gEnd = g0 + share - evalNoise;
        List<Trajectory.Step> steps = new ArrayList<>();
        double[] shares1 = {share, 1 - share, 0};
        steps.add(step(
                1,
                0,
                shares1,
                new double[] {a0, g0, NAN},
                new double[] {a0 - share, g0 + share / 2, NAN},
                new double[] {a0, g0, NAN}));
        steps.add(step(
                1,
                1,
                shares1,
                new double[] {a0 - share, g0 + share / 2, NAN},
                new double[] {aEnd, gEnd, NAN},
                new double[] {a0, g0, NAN}));
        double[] start2 = {4.0, gEnd, aEnd};
        steps.add(step(2, 0, new double[] {0.4, 0.3, 0.3}, start2, new double[] {3.0, gEnd, aEnd}, start2));
        double aFinal = a0 - 0.1 * 2 * share;
        double gFinal = g0 + 0.5 * share;
        return new Trajectory(
                "run-" + seed + "-" + share,
                List.of("general", "a", "b"),
                seed,
                "random-walk",
                1000,
                steps,
                new Trajectory.Outcome(g0, Map.of("general", gFinal, "a", aFinal, "b", 3.0), Map.of()));
    }

    /** Groups of runs per seed (a seed's offset shared), each with a random first-phase share and phase-end noise. */
    private static List<Trajectory> groups(int seeds, int members, double evalNoise, long rngSeed) {
        Random rng = new Random(rngSeed);
        List<Trajectory> runs = new ArrayList<>();
        for (long seed = 0; seed < seeds; seed++) {
            double offset = rng.nextGaussian();
            for (int member = 0; member < members; member++) {
                runs.add(run(seed, offset, 0.2 + 0.6 * rng.nextDouble(), evalNoise * rng.nextGaussian()));
            }
        }
        return runs;
    }

    private static Trajectory.Step step(
            int phase, int round, double[] shares, double[] before, double[] after, double[] start) {
        double[] features = new double[Features.SIZE];
        features[0] = 1;
        features[4] = 1;
        boolean[] mask = {true, true, phase > 1};
        return new Trajectory.Step(
                phase, round, features, mask, new double[] {0, 0, 0}, shares, before, after, start, Map.of());
    }

    @Test
    void theExplorationAsInstrumentRecoversWhatLastsDespiteEvaluationNoise() {
        List<Trajectory> runs = groups(50, 4, 0.3, 11);
        CarryOver carry = CarryOver.fit(runs);
        // the phase-end noise is as large as the share's effect: a regression of one change on the other would be
        // pulled towards 0 and 1, the instrument is not
        assertEquals(0.1, carry.target(), 0.03);
        assertEquals(0.5, carry.upstream(), 0.06);
    }

    @Test
    void onlyPhasesThatAnotherFollowsAreScaled() {
        CarryOver carry = new CarryOver(0.2, 0.4);
        assertArrayEquals(new double[] {0.2, 0.4, 1}, carry.slotScale(1, 2));
        assertArrayEquals(new double[] {1, 1, 1}, carry.slotScale(2, 2));
    }

    @Test
    void runsWithASinglePhaseCarryEverything() {
        Trajectory single = new Trajectory(
                "one",
                List.of("general", "a"),
                1,
                "random-walk",
                1000,
                List.of(step(
                        1,
                        0,
                        new double[] {0.5, 0.5, 0},
                        new double[] {5, 2, NAN},
                        new double[] {4, 2.1, NAN},
                        new double[] {5, 2, NAN})),
                new Trajectory.Outcome(2, Map.of("general", 2.1, "a", 4.0), Map.of()));
        assertSame(CarryOver.NONE, CarryOver.fit(List.of(single, single)));
    }

    @Test
    void scaledRewardWeighsEachSlotsChange() {
        Reward r = new Reward(2, 1, false);
        // target 3.0 -> 2.0 (1 nat, x0.1), upstream 2.0 -> 2.1 (0.1 nats, x2, x0.5), earlier 1.0 -> 1.2 (x1)
        assertEquals(
                0.1 - 2 * 0.1 * 0.5 - 0.2,
                r.of(
                        new double[] {3.0, 2.0, 1.0},
                        new double[] {2.0, 2.1, 1.2},
                        new double[] {3.0, 2.0, 1.0},
                        new double[] {0.1, 0.5, 1}),
                1e-12);
    }

    @Test
    void trainerScalesEarlyPhasesAndStandardisesEachPhaseOnItsOwn() {
        List<Trajectory> runs = groups(30, 3, 0.05, 5);
        TrainingSettings settings = TrainingSettings.defaults().with(s -> {
            s.reward = new Reward(2, 1, false);
            s.carryOver = true;
        });
        Samples samples = new AgentTrainer(settings).samples(runs);
        assertEquals(0.1, samples.carryOver().target(), 0.03);
        // rows alternate phase 1, phase 1, phase 2 per run: each phase's advantages have unit mean square
        double[] squares = new double[3];
        double[] counts = new double[3];
        for (int i = 0; i < samples.size(); i++) {
            int phase = i % 3 == 2 ? 2 : 1;
            squares[phase] += samples.advantages()[i] * samples.advantages()[i];
            counts[phase]++;
        }
        assertEquals(1.0, squares[1] / counts[1], 1e-9);
        // phase 2's single round is the same in every run: its advantages are all 0
        assertEquals(0.0, squares[2], 1e-18);
        assertSame(
                CarryOver.NONE,
                new AgentTrainer(settings.with(s -> s.carryOver = false))
                        .samples(runs)
                        .carryOver());
    }
}

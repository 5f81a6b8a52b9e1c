package dev.cpt.mixing.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.mixing.agent.Features;
import dev.cpt.mixing.agent.Nets;
import dev.cpt.mixing.agent.PolicyNet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentTrainerTest {
    private static final double NAN = Double.NaN;

    /** One phase-1 round: target loss from 3.0 to {@code after}, general unchanged; the action is the logits. */
    private static Trajectory oneRound(String id, double[] logits, double targetAfter) {
        return oneRound(id, 1, logits, targetAfter);
    }

    private static Trajectory oneRound(String id, long seed, double[] logits, double targetAfter) {
        double[] features = new double[Features.SIZE];
        features[0] = 1;
        features[4] = 1;
        Trajectory.Step step = new Trajectory.Step(
                1,
                0,
                features,
                new boolean[] {true, true, false},
                logits,
                new double[] {0.5, 0.5, 0},
                new double[] {3.0, 2.0, NAN},
                new double[] {targetAfter, 2.0, NAN},
                new double[] {3.0, 2.0, NAN},
                Map.of("t", 0.5, "general", 0.5));
        return new Trajectory(
                id,
                List.of("general", "t"),
                seed,
                "random-walk",
                1000,
                List.of(step),
                new Trajectory.Outcome(2.0, Map.of(), Map.of()));
    }

    @Test
    void rewardIsTargetGainMinusWeightedForgetting() {
        Reward r = new Reward(2, 1);
        // target 3.0 -> 2.7 (+0.1 relative), upstream 2.0 -> 2.1 (-0.05 relative, x2), earlier 1.0 -> 1.05 (x1)
        assertEquals(
                0.1 - 2 * 0.05 - 0.05,
                r.of(new double[] {3.0, 2.0, 1.0}, new double[] {2.7, 2.1, 1.05}, new double[] {3.0, 2.0, 1.0}),
                1e-12);
        assertEquals(
                0.1,
                r.of(new double[] {3.0, NAN, NAN}, new double[] {2.7, NAN, NAN}, new double[] {3.0, NAN, NAN}),
                1e-12);
    }

    @Test
    void absoluteRewardCountsNatsAlike() {
        Reward r = new Reward(2, 1, false);
        // target 3.0 -> 2.7 (0.3 nats), upstream 2.0 -> 2.1 (0.1 nats, x2), earlier 1.0 -> 1.05 (0.05 nats, x1)
        assertEquals(
                0.3 - 2 * 0.1 - 0.05,
                r.of(new double[] {3.0, 2.0, 1.0}, new double[] {2.7, 2.1, 1.05}, new double[] {3.0, 2.0, 1.0}),
                1e-12);
    }

    @Test
    void stateBaselineRemovesWhatTheFeaturesExplain() {
        // the return grows with feature 2 whatever the action; one action adds 0.01 on top of that
        java.util.Random rng = new java.util.Random(3);
        List<double[]> feats = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<Double> returns = new ArrayList<>();
        List<Boolean> good = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            double[] f = new double[Features.SIZE];
            f[2] = rng.nextGaussian();
            boolean g = rng.nextBoolean();
            feats.add(f);
            keys.add("1/0");
            returns.add(0.5 * f[2] + (g ? 0.01 : 0));
            good.add(g);
        }
        double[] value = Baselines.stateValues(feats, keys, returns);
        for (int i = 0; i < returns.size(); i++) {
            double advantage = returns.get(i) - value[i];
            assertTrue(good.get(i) ? advantage > 0 : advantage < 0, "row " + i + ": advantage " + advantage);
        }
    }

    @Test
    void oneEpochRaisesTheLogProbabilityOfTheHighRewardAction() {
        double[] good = {2.0, -1.0, 0};
        double[] bad = {-2.0, 1.0, 0};
        List<Trajectory> data = List.of(oneRound("good", good, 2.4), oneRound("bad", bad, 2.9));
        AgentTrainer trainer = new AgentTrainer(TrainingSettings.defaults().with(s -> s.epochs = 1));
        Samples samples = trainer.samples(data);
        assertTrue(samples.advantages()[0] > 0 && samples.advantages()[1] < 0, "advantages against the mean return");
        PolicyNet start = trainer.initial(samples);
        PolicyNet after = trainer.train(start, samples).net();
        double[] f = data.get(0).steps().get(0).features();
        boolean[] mask = data.get(0).steps().get(0).mask();
        double before = WeightedLikelihood.logProb(start, f, mask, good);
        double now = WeightedLikelihood.logProb(after, f, mask, good);
        assertTrue(now > before, "log pi(good) " + before + " -> " + now);
        // more epochs: the mean moves to the good action, so the policy now gives the target more weight
        PolicyNet trained = new AgentTrainer(TrainingSettings.defaults().with(s -> s.epochs = 400))
                .train(start, samples)
                .net();
        double[] shares = Features.slotShares(trained.logits(f), mask, 0);
        assertTrue(shares[0] > 0.8, "target share " + shares[0]);
    }

    @Test
    void twinsOnTheSameSeedAreEachOthersBaseline() {
        double[] up = {1, 0, 0};
        double[] down = {-1, 0, 0};
        // seed 1 is a hard environment (little gain either way), seed 2 an easy one; within each seed "up" wins
        List<Trajectory> data = List.of(
                oneRound("s1-up", 1, up, 2.9),
                oneRound("s1-down", 1, down, 2.95),
                oneRound("s2-up", 2, up, 2.4),
                oneRound("s2-down", 2, down, 2.45));
        Samples samples = new AgentTrainer(TrainingSettings.defaults()).samples(data);
        // against the mean over all four, both seed-1 runs would look bad and both seed-2 runs good
        assertTrue(samples.advantages()[0] > 0 && samples.advantages()[2] > 0, "up beats its twin on both seeds");
        assertTrue(samples.advantages()[1] < 0 && samples.advantages()[3] < 0, "down loses to its twin on both seeds");
        assertEquals(samples.advantages()[0], samples.advantages()[2], 1e-9);
    }

    @Test
    void aRunWithoutATwinIsMeasuredAgainstEveryRunAtItsRound() {
        List<Trajectory> data = List.of(
                oneRound("a", 1, new double[] {1, 0, 0}, 2.5),
                oneRound("b", 2, new double[] {0, 0, 0}, 2.7),
                oneRound("c", 3, new double[] {-1, 0, 0}, 2.9));
        Samples samples = new AgentTrainer(TrainingSettings.defaults()).samples(data);
        assertTrue(samples.advantages()[0] > 0, "best of three");
        assertEquals(0, samples.advantages()[1], 1e-9, "the middle run is the mean");
        assertTrue(samples.advantages()[2] < 0, "worst of three");
    }

    @Test
    void samplesNeedLoggedActions() {
        Trajectory t = oneRound("x", null, 2.0);
        assertThrows(
                IllegalArgumentException.class,
                () -> new AgentTrainer(TrainingSettings.defaults()).samples(List.of(t)));
    }

    @Test
    void plainJavaForwardMatchesTheDjlForward() {
        PolicyNet net = Nets.random(3);
        java.util.Random rng = new java.util.Random(5);
        double[][] x = new double[16][Features.SIZE];
        for (double[] row : x) {
            for (int i = 0; i < row.length; i++) {
                row[i] = rng.nextGaussian();
            }
        }
        double[][] djl = DjlPolicy.logits(net, x);
        for (int r = 0; r < x.length; r++) {
            assertArrayEquals(djl[r], net.logits(x[r]), 1e-4);
        }
    }
}

package dev.cpt.mixing.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.cpt.mixing.agent.Features;
import dev.cpt.mixing.agent.PolicyNet;
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.engine.OfflineEngine;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains the {@link PolicyNet} by policy-gradient RL on logged trajectories, on DJL's PyTorch engine.
 *
 * <p>Every logged round is an action (the slot logits the exploring policy sampled) in a state (its features). The
 * policy is a Gaussian over slot logits with a learned mean and a fixed spread sigma, so the log-likelihood of an
 * action is {@code -|z - mu(s)|^2 / (2 sigma^2)} over the slots that had data, plus a constant. The return of a
 * round is the sum of the phase's rewards from that round on (a phase is an episode: rewards are measured against
 * the loss when the phase began, so an earlier phase's forgetting is never charged twice). With carry-over, the loss
 * changes of a phase that another one follows count by the fraction of them that lasts to the run's end
 * ({@link CarryOver}): the proxy relearns and forgets most of a phase's changes in the next one. The baseline is the
 * mean return of the runs on the same seed at the same phase and round; advantages are scaled to unit standard
 * deviation (per phase with carry-over).
 *
 * <p>The actions come from random walks, not from the policy being trained. Plain REINFORCE on such data
 * ({@code -mean(A log pi)}) has no minimum: its gradient in mu is {@code sum A (z - mu)}, and with a baseline
 * {@code sum A} is about 0, so the mean drifts without bound along {@code cov(A, z)}. The update used is therefore
 * REINFORCE with the advantage entering as {@code exp(A / beta)} (advantage-weighted regression, Peng et al. 2019):
 * the loss {@code -mean(exp(A / beta) log pi(z | s))} is a weighted maximum-likelihood fit that moves the mean
 * towards the actions that beat the baseline, and is bounded. Weights are capped at {@link #MAX_WEIGHT}. Minimised
 * with full-batch Adam and decoupled weight decay.
 */
public final class AgentTrainer {
    /** Cap of exp(A / beta): a single lucky trajectory must not dominate the fit. */
    public static final double MAX_WEIGHT = 20;

    /**
     * @param hidden hidden layer width
     * @param epochs full-batch Adam steps
     * @param learningRate Adam step size
     * @param weightDecay decoupled weight decay on the matrices
     * @param sigma the Gaussian's spread, also written to the artifact as log_std
     * @param beta temperature of the advantage weights exp(A / beta), on unit-variance advantages
     * @param gamma discount of later rounds' rewards within the phase (1: the phase's whole remaining return)
     * @param reward how a round's reward is computed
     * @param seed initialisation seed
     * @param stateBaseline subtract a fitted state value (a ridge regression of the return on the features and the
     *     phase and round) instead of the mean return at the phase and round
     * @param carryOver scale the loss changes of a phase that another phase follows by how much of them lasts to the
     *     run's end ({@link CarryOver}, fitted on the trajectories), and standardise advantages per phase
     */
    public record Settings(
            int hidden,
            int epochs,
            double learningRate,
            double weightDecay,
            double sigma,
            double beta,
            double gamma,
            Reward reward,
            long seed,
            boolean stateBaseline,
            boolean carryOver) {
        public static Settings defaults() {
            // the shipped agent's recipe (mixing-agent-4)
            return new Settings(32, 400, 1e-2, 1e-3, 1.0, 0.25, 0.0, new Reward(2.5, 1.0, false), 7, false, true);
        }

        public Settings withCarryOver(boolean on) {
            return new Settings(
                    hidden, epochs, learningRate, weightDecay, sigma, beta, gamma, reward, seed, stateBaseline, on);
        }

        public Settings withStateBaseline(boolean on) {
            return new Settings(
                    hidden, epochs, learningRate, weightDecay, sigma, beta, gamma, reward, seed, on, carryOver);
        }

        public Settings withGamma(double g) {
            return new Settings(
                    hidden, epochs, learningRate, weightDecay, sigma, beta, g, reward, seed, stateBaseline, carryOver);
        }

        public Settings withEpochs(int e) {
            return new Settings(
                    hidden, e, learningRate, weightDecay, sigma, beta, gamma, reward, seed, stateBaseline, carryOver);
        }

        public Settings withReward(Reward r) {
            return new Settings(
                    hidden, epochs, learningRate, weightDecay, sigma, beta, gamma, r, seed, stateBaseline, carryOver);
        }

        public Settings withWeightDecay(double wd) {
            return new Settings(
                    hidden, epochs, learningRate, wd, sigma, beta, gamma, reward, seed, stateBaseline, carryOver);
        }

        public Settings withBeta(double b) {
            return new Settings(
                    hidden, epochs, learningRate, weightDecay, sigma, b, gamma, reward, seed, stateBaseline, carryOver);
        }
    }

    /** The rows training uses: features, slot mask, action logits, advantage. */
    public record Samples(
            double[][] features,
            boolean[][] mask,
            double[][] actions,
            double[] advantages,
            double meanReturn,
            CarryOver carryOver) {
        public int size() {
            return features.length;
        }
    }

    /** What training produced: the network and its objective before and after. */
    public record Result(PolicyNet net, double lossBefore, double lossAfter, int samples) {}

    private final Settings settings;

    public AgentTrainer(Settings settings) {
        this.settings = settings;
    }

    /** Rounds with an action, their returns to the phase's end and the advantages against the baseline. */
    public Samples samples(List<Trajectory> trajectories) {
        List<double[]> feats = new ArrayList<>();
        List<boolean[]> masks = new ArrayList<>();
        List<double[]> actions = new ArrayList<>();
        List<Double> returns = new ArrayList<>();
        List<String> rounds = new ArrayList<>();
        List<String> environments = new ArrayList<>();
        List<Integer> phases = new ArrayList<>();
        CarryOver carry = settings.carryOver() ? CarryOver.fit(trajectories) : CarryOver.NONE;
        for (Trajectory t : trajectories) {
            List<Trajectory.Step> steps = t.steps();
            int lastPhase = CarryOver.lastPhase(t);
            double[] rewards = new double[steps.size()];
            for (int i = 0; i < steps.size(); i++) {
                Trajectory.Step s = steps.get(i);
                rewards[i] = settings.reward()
                        .of(
                                s.slotLossBefore(),
                                s.slotLossAfter(),
                                s.slotStartLoss(),
                                carry.slotScale(s.phase(), lastPhase));
            }
            for (int i = 0; i < steps.size(); i++) {
                Trajectory.Step s = steps.get(i);
                if (s.logits() == null) {
                    continue;
                }
                double g = 0;
                double discount = 1;
                for (int j = i; j < steps.size() && steps.get(j).phase() == s.phase(); j++) {
                    g += discount * rewards[j];
                    discount *= settings.gamma();
                }
                feats.add(s.features());
                masks.add(s.mask());
                actions.add(s.logits());
                returns.add(g);
                rounds.add(s.phase() + "/" + s.round());
                phases.add(s.phase());
                environments.add(s.phase() + "/" + s.round() + "/" + t.seed() + "/" + t.scenario());
            }
        }
        if (feats.isEmpty()) {
            throw new IllegalArgumentException(
                    "no trajectory step carries an action (logits); collect with the" + " random-walk policy");
        }
        double[] baseline = settings.stateBaseline()
                ? stateValues(feats, rounds, returns)
                : meanReturns(rounds, environments, returns);
        double[] adv = new double[returns.size()];
        double mean = 0;
        // carried-over rewards of an early phase are a fraction of the last phase's: scaled per phase, each phase's
        // actions are fitted as firmly as the last one's
        List<Integer> scaleGroups = settings.carryOver() ? phases : Collections.nCopies(adv.length, 0);
        Map<Integer, double[]> squares = new HashMap<>();
        for (int i = 0; i < adv.length; i++) {
            adv[i] = returns.get(i) - baseline[i];
            mean += returns.get(i);
            double[] sq = squares.computeIfAbsent(scaleGroups.get(i), k -> new double[2]);
            sq[0] += adv[i] * adv[i];
            sq[1]++;
        }
        for (int i = 0; i < adv.length; i++) {
            double[] sq = squares.get(scaleGroups.get(i));
            double std = Math.sqrt(sq[0] / sq[1]);
            adv[i] = std > 1e-12 ? adv[i] / std : 0;
        }
        return new Samples(
                feats.toArray(double[][]::new),
                masks.toArray(boolean[][]::new),
                actions.toArray(double[][]::new),
                adv,
                mean / adv.length,
                carry);
    }

    /**
     * Per sample, the mean return of the runs in the same environment (seed and scenario) at the same phase and round.
     * Such runs (antithetic twins, or a --group of walks) share the pre-trained model and the data streams, so their
     * mean removes the seed-to-seed spread that dwarfs the effect of the mixture. A run alone in its environment falls
     * back to the mean over all runs at its phase and round.
     */
    static double[] meanReturns(List<String> rounds, List<String> environments, List<Double> returns) {
        Map<String, double[]> perEnvironment = new HashMap<>();
        Map<String, double[]> perRound = new HashMap<>();
        for (int i = 0; i < returns.size(); i++) {
            accumulate(perEnvironment, environments.get(i), returns.get(i));
            accumulate(perRound, rounds.get(i), returns.get(i));
        }
        double[] out = new double[returns.size()];
        for (int i = 0; i < out.length; i++) {
            double[] same = perEnvironment.get(environments.get(i));
            double[] sum = same[1] >= 2 ? same : perRound.get(rounds.get(i));
            out[i] = sum[0] / sum[1];
        }
        return out;
    }

    /**
     * A state value per sample: ridge regression of the return on the features plus one indicator per phase and
     * round. When the explored actions are drawn independently of the state, what the features explain of the return
     * is the state's doing, not the action's, so subtracting it leaves the action's effect with less noise.
     */
    static double[] stateValues(List<double[]> feats, List<String> rounds, List<Double> returns) {
        List<String> indicators = rounds.stream().distinct().sorted().toList();
        int f = feats.get(0).length;
        int d = f + indicators.size();
        double[][] xtx = new double[d][d];
        double[] xty = new double[d];
        double[][] rows = new double[feats.size()][];
        for (int i = 0; i < rows.length; i++) {
            double[] x = new double[d];
            System.arraycopy(feats.get(i), 0, x, 0, f);
            x[f + indicators.indexOf(rounds.get(i))] = 1;
            rows[i] = x;
            for (int a = 0; a < d; a++) {
                xty[a] += x[a] * returns.get(i);
                for (int b = 0; b < d; b++) {
                    xtx[a][b] += x[a] * x[b];
                }
            }
        }
        for (int a = 0; a < d; a++) {
            xtx[a][a] += 1e-3 * rows.length;
        }
        double[] w = solve(xtx, xty);
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            for (int a = 0; a < d; a++) {
                out[i] += w[a] * rows[i][a];
            }
        }
        return out;
    }

    /** Gaussian elimination with partial pivoting; the ridge term keeps the system well posed. */
    private static double[] solve(double[][] m, double[] v) {
        int n = v.length;
        double[][] a = new double[n][];
        double[] b = v.clone();
        for (int i = 0; i < n; i++) {
            a[i] = m[i].clone();
        }
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[p][c])) {
                    p = r;
                }
            }
            double[] t = a[c];
            a[c] = a[p];
            a[p] = t;
            double tb = b[c];
            b[c] = b[p];
            b[p] = tb;
            for (int r = c + 1; r < n; r++) {
                double k = a[r][c] / a[c][c];
                for (int j = c; j < n; j++) {
                    a[r][j] -= k * a[c][j];
                }
                b[r] -= k * b[c];
            }
        }
        double[] x = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double sum = b[r];
            for (int j = r + 1; j < n; j++) {
                sum -= a[r][j] * x[j];
            }
            x[r] = sum / a[r][r];
        }
        return x;
    }

    private static void accumulate(Map<String, double[]> sums, String key, double value) {
        double[] acc = sums.computeIfAbsent(key, k -> new double[2]);
        acc[0] += value;
        acc[1]++;
    }

    /** A fresh network whose feature standardisation comes from the samples. */
    public PolicyNet initial(Samples samples) {
        int f = Features.SIZE;
        float[] mean = new float[f];
        float[] std = new float[f];
        for (double[] row : samples.features()) {
            for (int i = 0; i < f; i++) {
                mean[i] += (float) (row[i] / samples.size());
            }
        }
        for (double[] row : samples.features()) {
            for (int i = 0; i < f; i++) {
                std[i] += (float) ((row[i] - mean[i]) * (row[i] - mean[i]) / samples.size());
            }
        }
        for (int i = 0; i < f; i++) {
            // a constant feature (e.g. always present) must not divide by zero
            std[i] = std[i] > 1e-8 ? (float) Math.sqrt(std[i]) : 1f;
        }
        Random rng = new Random(settings.seed());
        int h = settings.hidden();
        float[][] w1 = new float[h][f];
        float[][] w2 = new float[Features.SLOTS][h];
        for (float[] row : w1) {
            for (int i = 0; i < f; i++) {
                row[i] = (float) (rng.nextGaussian() / Math.sqrt(f));
            }
        }
        for (float[] row : w2) {
            for (int j = 0; j < h; j++) {
                row[j] = (float) (0.1 * rng.nextGaussian() / Math.sqrt(h));
            }
        }
        float[] logStd = new float[Features.SLOTS];
        java.util.Arrays.fill(logStd, (float) Math.log(settings.sigma()));
        return new PolicyNet(w1, new float[h], w2, new float[Features.SLOTS], logStd, mean, std);
    }

    /** Trains from the given starting network for {@code settings.epochs()} full-batch Adam steps. */
    public Result train(PolicyNet start, Samples samples) {
        Engine engine = OfflineEngine.get();
        int n = samples.size();
        int f = Features.SIZE;
        int k = Features.SLOTS;
        float[] x = new float[n * f];
        float[] z = new float[n * k];
        float[] c = new float[n * k];
        double inv2s2 = 1.0 / (2 * settings.sigma() * settings.sigma());
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < f; i++) {
                x[r * f + i] = (float) ((samples.features()[r][i] - start.featureMean()[i]) / start.featureStd()[i]);
            }
            for (int s = 0; s < k; s++) {
                z[r * k + s] = (float) samples.actions()[r][s];
                // -mean(w log pi) = sum over rows and present slots of w / n * (z - mu)^2 / (2 sigma^2) + const
                c[r * k + s] = samples.mask()[r][s] ? (float) (weight(samples.advantages()[r]) * inv2s2 / n) : 0f;
            }
        }
        try (NDManager manager = engine.newBaseManager()) {
            NDArray xs = NativeArrays.create(manager, x, new Shape(n, f));
            NDArray zs = NativeArrays.create(manager, z, new Shape(n, k));
            NDArray cs = NativeArrays.create(manager, c, new Shape(n, k));
            List<NDArray> params = List.of(
                    NativeArrays.create(manager, flat(start.w1()), new Shape(start.hidden(), f)),
                    NativeArrays.create(manager, start.b1(), new Shape(start.hidden())),
                    NativeArrays.create(manager, flat(start.w2()), new Shape(k, start.hidden())),
                    NativeArrays.create(manager, start.b2(), new Shape(k)));
            List<NDArray> m1 = new ArrayList<>();
            List<NDArray> m2 = new ArrayList<>();
            for (NDArray p : params) {
                p.setRequiresGradient(true);
                m1.add(manager.zeros(p.getShape()));
                m2.add(manager.zeros(p.getShape()));
            }
            double before = Double.NaN;
            double last = Double.NaN;
            for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
                try (NDManager step = manager.newSubManager()) {
                    try (GradientCollector collector = engine.newGradientCollector()) {
                        NDArray mu = mean(params, xs);
                        NDArray diff = zs.sub(mu);
                        NDArray loss = diff.mul(diff).mul(cs).sum();
                        collector.backward(loss);
                        last = loss.getFloat();
                        loss.attach(step);
                        mu.attach(step);
                        diff.attach(step);
                    }
                    if (epoch == 1) {
                        before = last;
                    }
                    adam(params, m1, m2, epoch);
                }
            }
            PolicyNet trained;
            try (NDManager tmp = manager.newSubManager()) {
                trained = new PolicyNet(
                        rows(params.get(0)),
                        params.get(1).toFloatArray(),
                        rows(params.get(2)),
                        params.get(3).toFloatArray(),
                        start.logStd(),
                        start.featureMean(),
                        start.featureStd());
            }
            return new Result(trained, before, objective(trained, samples), n);
        }
    }

    /** The weight of a round in the fit: exp(A / beta), capped. */
    public double weight(double advantage) {
        return Math.min(MAX_WEIGHT, Math.exp(advantage / settings.beta()));
    }

    /** The training objective {@code -mean(w log pi(z | s))} (without the constant) of a network, in plain Java. */
    public double objective(PolicyNet net, Samples samples) {
        double total = 0;
        double inv2s2 = 1.0 / (2 * settings.sigma() * settings.sigma());
        for (int r = 0; r < samples.size(); r++) {
            double[] mu = net.logits(samples.features()[r]);
            for (int s = 0; s < Features.SLOTS; s++) {
                if (samples.mask()[r][s]) {
                    double d = samples.actions()[r][s] - mu[s];
                    total += weight(samples.advantages()[r]) * d * d * inv2s2 / samples.size();
                }
            }
        }
        return total;
    }

    /** Log-likelihood of an action under a network's Gaussian (present slots only, constant included). */
    public static double logProb(PolicyNet net, double[] features, boolean[] mask, double[] action) {
        double[] mu = net.logits(features);
        double lp = 0;
        for (int s = 0; s < Features.SLOTS; s++) {
            if (mask[s]) {
                double sigma = Math.exp(net.logStd()[s]);
                double d = (action[s] - mu[s]) / sigma;
                lp += -0.5 * d * d - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
            }
        }
        return lp;
    }

    /** The network's mean logits on DJL for a batch of standardised features [n, f] -> [n, slots]. */
    static NDArray mean(List<NDArray> p, NDArray xs) {
        NDArray hidden = xs.matMul(p.get(0).transpose()).add(p.get(1)).tanh();
        return hidden.matMul(p.get(2).transpose()).add(p.get(3));
    }

    /** DJL forward of a network on raw features, for checking the plain-Java forward against it. */
    public static double[][] djlLogits(PolicyNet net, double[][] features) {
        int n = features.length;
        int f = net.features();
        float[] x = new float[n * f];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < f; i++) {
                x[r * f + i] = (float) ((features[r][i] - net.featureMean()[i]) / net.featureStd()[i]);
            }
        }
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad();
                NDManager manager = OfflineEngine.get().newBaseManager()) {
            List<NDArray> p = List.of(
                    NativeArrays.create(manager, flat(net.w1()), new Shape(net.hidden(), f)),
                    NativeArrays.create(manager, net.b1(), new Shape(net.hidden())),
                    NativeArrays.create(manager, flat(net.w2()), new Shape(Features.SLOTS, net.hidden())),
                    NativeArrays.create(manager, net.b2(), new Shape(Features.SLOTS)));
            float[] out =
                    mean(p, NativeArrays.create(manager, x, new Shape(n, f))).toFloatArray();
            double[][] result = new double[n][Features.SLOTS];
            for (int r = 0; r < n; r++) {
                for (int s = 0; s < Features.SLOTS; s++) {
                    result[r][s] = out[r * Features.SLOTS + s];
                }
            }
            return result;
        }
    }

    /** Adam with bias correction and decoupled weight decay on matrices; zeroes the gradients after. */
    private void adam(List<NDArray> params, List<NDArray> m1, List<NDArray> m2, int t) {
        double b1 = 0.9;
        double b2 = 0.999;
        double lr = settings.learningRate();
        double lrT = lr * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                NDArray w = params.get(i);
                try (NDArray g = w.getGradient()) {
                    m1.get(i).muli(b1).addi(g.mul(1 - b1));
                    m2.get(i).muli(b2).addi(g.mul(g).muli(1 - b2));
                    if (w.getShape().dimension() >= 2) {
                        w.subi(w.mul(lr * settings.weightDecay()));
                    }
                    w.subi(m1.get(i).div(m2.get(i).sqrt().add(1e-8)).muli(lrT));
                }
                JniUtils.zeroGrad((PtNDArray) w);
            }
        }
    }

    private static float[] flat(float[][] m) {
        int cols = m[0].length;
        float[] out = new float[m.length * cols];
        for (int r = 0; r < m.length; r++) {
            System.arraycopy(m[r], 0, out, r * cols, cols);
        }
        return out;
    }

    private static float[][] rows(NDArray a) {
        int r = (int) a.getShape().get(0);
        int c = (int) a.getShape().get(1);
        float[] data = a.toFloatArray();
        float[][] out = new float[r][c];
        for (int i = 0; i < r; i++) {
            System.arraycopy(data, i * c, out[i], 0, c);
        }
        return out;
    }
}

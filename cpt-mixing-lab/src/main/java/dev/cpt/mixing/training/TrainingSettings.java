package dev.cpt.mixing.training;

import java.util.function.Consumer;

/**
 * How the agent is trained.
 *
 * @param hidden hidden layer width
 * @param epochs full-batch Adam steps
 * @param learningRate Adam step size
 * @param weightDecay decoupled weight decay on the matrices
 * @param sigma the Gaussian's spread, also written to the artifact as log_std
 * @param beta temperature of the advantage weights exp(A / beta), on unit-variance advantages
 * @param gamma discount of later rounds' rewards within the phase (1: the phase's whole remaining return)
 * @param reward how a round's reward is computed
 * @param seed initialisation seed
 * @param stateBaseline subtract a fitted state value (a ridge regression of the return on the features and the phase
 *     and round) instead of the mean return at the phase and round
 * @param carryOver scale the loss changes of a phase that another phase follows by how much of them lasts to the
 *     run's end ({@link CarryOver}, fitted on the trajectories), and standardise advantages per phase
 */
public record TrainingSettings(
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

    /** The proxy recipe of mixing-agent-4 (the shipped real-text agent's recipe is in the cpt-mixing README). */
    public static TrainingSettings defaults() {
        return new TrainingSettings(32, 400, 1e-2, 1e-3, 1.0, 0.25, 0.0, new Reward(2.5, 1.0, false), 7, false, true);
    }

    /** A copy with some settings changed, e.g. {@code defaults().with(s -> s.epochs = 1)}. */
    public TrainingSettings with(Consumer<Changes> change) {
        Changes changes = new Changes(this);
        change.accept(changes);
        return changes.settings();
    }

    /** The settings as fields to assign in {@link #with}; each starts at the value of the settings it copies. */
    public static final class Changes {
        public int hidden;
        public int epochs;
        public double learningRate;
        public double weightDecay;
        public double sigma;
        public double beta;
        public double gamma;
        public Reward reward;
        public long seed;
        public boolean stateBaseline;
        public boolean carryOver;

        private Changes(TrainingSettings s) {
            hidden = s.hidden;
            epochs = s.epochs;
            learningRate = s.learningRate;
            weightDecay = s.weightDecay;
            sigma = s.sigma;
            beta = s.beta;
            gamma = s.gamma;
            reward = s.reward;
            seed = s.seed;
            stateBaseline = s.stateBaseline;
            carryOver = s.carryOver;
        }

        private TrainingSettings settings() {
            return new TrainingSettings(
                    hidden,
                    epochs,
                    learningRate,
                    weightDecay,
                    sigma,
                    beta,
                    gamma,
                    reward,
                    seed,
                    stateBaseline,
                    carryOver);
        }
    }
}

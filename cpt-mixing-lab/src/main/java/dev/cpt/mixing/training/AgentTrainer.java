package dev.cpt.mixing.training;

import dev.cpt.mixing.agent.PolicyNet;
import java.util.Collections;
import java.util.List;

/**
 * Trains the {@link PolicyNet} by policy-gradient RL on logged trajectories, on DJL's PyTorch engine.
 *
 * <p>Every logged round is an action (the slot logits the exploring policy sampled) in a state (its features). The
 * policy is a Gaussian over slot logits with a learned mean and a fixed spread sigma, so the log-likelihood of an
 * action is {@code -|z - mu(s)|^2 / (2 sigma^2)} over the slots that had data, plus a constant. The return of a round
 * is the sum of the phase's rewards from that round on ({@link LoggedRound}). With carry-over, the loss changes of a
 * phase that another one follows count by the fraction of them that lasts to the run's end ({@link CarryOver}): the
 * proxy relearns and forgets most of a phase's changes in the next one. The baseline is the mean return of the runs on
 * the same seed at the same phase and round ({@link Baselines}); advantages are scaled to unit standard deviation (per
 * phase with carry-over, {@link Advantages}).
 *
 * <p>The actions come from random walks, not from the policy being trained. Plain REINFORCE on such data
 * ({@code -mean(A log pi)}) has no minimum: its gradient in mu is {@code sum A (z - mu)}, and with a baseline
 * {@code sum A} is about 0, so the mean drifts without bound along {@code cov(A, z)}. The update used is therefore
 * REINFORCE with the advantage entering as {@code exp(A / beta)} (advantage-weighted regression, Peng et al. 2019):
 * the loss {@code -mean(exp(A / beta) log pi(z | s))} ({@link WeightedLikelihood}) is a weighted maximum-likelihood
 * fit that moves the mean towards the actions that beat the baseline, and is bounded. It is minimised with full-batch
 * AdamW ({@link PolicyFit}).
 */
public final class AgentTrainer {

    /** What training produced: the network and its objective before and after. */
    public record Result(PolicyNet net, double lossBefore, double lossAfter, int samples) {}

    private final TrainingSettings settings;

    public AgentTrainer(TrainingSettings settings) {
        this.settings = settings;
    }

    /** Rounds with an action, their returns to the phase's end and the advantages against the baseline. */
    public Samples samples(List<Trajectory> trajectories) {
        CarryOver carry = settings.carryOver() ? CarryOver.fit(trajectories) : CarryOver.NONE;
        List<LoggedRound> rows = LoggedRound.of(trajectories, settings.reward(), settings.gamma(), carry);
        List<Double> returns = rows.stream().map(LoggedRound::gain).toList();
        List<String> rounds = rows.stream().map(LoggedRound::round).toList();
        double[] baseline = settings.stateBaseline()
                ? Baselines.stateValues(rows.stream().map(LoggedRound::features).toList(), rounds, returns)
                : Baselines.meanReturns(
                        rounds, rows.stream().map(LoggedRound::environment).toList(), returns);
        List<Integer> scaleGroups = settings.carryOver()
                ? rows.stream().map(LoggedRound::phase).toList()
                : Collections.nCopies(rows.size(), 0);
        double sum = 0;
        for (double g : returns) {
            sum += g;
        }
        return new Samples(
                rows.stream().map(LoggedRound::features).toArray(double[][]::new),
                rows.stream().map(LoggedRound::mask).toArray(boolean[][]::new),
                rows.stream().map(LoggedRound::action).toArray(double[][]::new),
                Advantages.standardised(returns, baseline, scaleGroups),
                sum / rows.size(),
                carry);
    }

    /** A fresh network whose feature standardisation comes from the samples. */
    public PolicyNet initial(Samples samples) {
        return InitialNetwork.of(samples, settings);
    }

    /** Trains from the given starting network for {@code settings.epochs()} full-batch AdamW steps. */
    public Result train(PolicyNet start, Samples samples) {
        return new PolicyFit(settings, new WeightedLikelihood(settings)).fit(start, samples);
    }
}

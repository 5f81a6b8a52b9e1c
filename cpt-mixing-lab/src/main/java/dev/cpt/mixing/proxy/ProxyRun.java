package dev.cpt.mixing.proxy;

import dev.cpt.common.FileTrees;
import dev.cpt.mixing.EvalFeedback;
import dev.cpt.mixing.MixingPolicy;
import dev.cpt.mixing.PhaseTracker;
import dev.cpt.mixing.rounds.BatchMixer;
import dev.cpt.mixing.training.Trajectory;
import dev.cpt.model.CheckpointException;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.OptimizerSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A cheap proxy of the whole system: a tiny {@link LanguageModel} pre-trained on the general domain, then domains
 * arriving one after another, each with a phase's worth of documents. The rounds are the mixer's own
 * ({@link BatchMixer}): every round the policy chooses weights from the state the mixer builds, and the mixer cuts
 * the round with its carry, its packing with document boundaries and its replay reservoir. The model trains on the
 * round's batches, every arrived domain's held-out loss is measured and fed back through the mixer. The same seed
 * gives the same run.
 */
public final class ProxyRun {
    private static final long HELDOUT_SALT = 0x5eedL;

    private final ProxyConfig config;
    private final List<String> scenario;
    private final long pretrainSeed;
    private final long seed;

    /**
     * @param scenario arrival order: the general domain first, then the domains that arrive after it
     * @param pretrainSeed seed of the general pre-training (runs with the same one share the pre-trained model)
     * @param seed seed of the documents, of the mixer's replay draws and of the policy
     */
    public ProxyRun(ProxyConfig config, List<String> scenario, long pretrainSeed, long seed) {
        if (scenario.size() < 2 || !scenario.get(0).equals(Domains.GENERAL)) {
            throw new IllegalArgumentException("a scenario starts with " + Domains.GENERAL
                    + " and has at least one domain after it, got " + scenario);
        }
        for (String d : scenario) {
            if (!Domains.ALL.contains(d)) {
                throw new IllegalArgumentException("unknown proxy domain " + d + ", known: " + Domains.ALL);
            }
        }
        this.config = config;
        this.scenario = List.copyOf(scenario);
        this.pretrainSeed = pretrainSeed;
        this.seed = seed;
    }

    /** Runs the scenario; the policy factory gets the run's seed (for policies that explore). */
    public Trajectory run(String id, Function<Long, MixingPolicy> policyFactory) {
        MixingPolicy policy = policyFactory.apply(seed);
        OptimizerSettings opt = OptimizerSettings.defaults().withLearningRate(config.learningRate());
        Map<String, DomainDocuments> train = new LinkedHashMap<>();
        Map<String, int[][]> heldout = new LinkedHashMap<>();
        for (String d : scenario) {
            train.put(d, new DomainDocuments(d, seed * 31 + d.hashCode()));
            heldout.put(
                    d,
                    new DomainDocuments(d, HELDOUT_SALT * 17 + d.hashCode())
                            .sequences(config.heldoutSequences(), config.sequenceLength()));
        }
        Pretraining pretrained = Pretraining.of(config, pretrainSeed);
        Path state = pretrained.copyMixerState();
        try (LanguageModel model = LanguageModel.load(pretrained.model())) {
            // the ledger keeps every eval of the run: phases index the feedback from their start
            int evals = 1 + (scenario.size() - 1) * config.rounds();
            BatchMixer mixer = ProxyMixer.open(state, config, config.stepsPerRound(), policy, evals, seed);
            arrive(mixer, train.get(scenario.get(1)));
            long step = 0;
            EvalFeedback after = eval(model, mixer, heldout, step);
            mixer.observe(after);
            double generalBefore = after.heldoutLoss().get(Domains.GENERAL);
            List<Trajectory.Step> steps = new ArrayList<>();
            Map<String, Double> phaseEnd = new LinkedHashMap<>();
            PhaseTracker phase = new PhaseTracker();
            for (int p = 1; p < scenario.size(); p++) {
                String target = scenario.get(p);
                for (int r = 0; r < config.rounds(); r++) {
                    // a phase brings rounds * roundSize fresh sequences, and a round takes at most roundSize of them
                    ProxyMixer.Next next = ProxyMixer.nextRound(mixer, phase, config.phaseTokens());
                    BatchMixer.Round round = next.round();
                    for (var batch : round.batches()) {
                        model.trainStep(ProxyMixer.tokens(batch), opt);
                        step++;
                    }
                    mixer.committed(round);
                    if (r == config.rounds() - 1 && p + 1 < scenario.size()) {
                        // the next domain arrives before this eval, so the eval scores its starting point
                        arrive(mixer, train.get(scenario.get(p + 1)));
                    }
                    after = eval(model, mixer, heldout, step);
                    mixer.observe(after);
                    steps.add(Trajectory.Step.of(
                            p, r, next.view(), Exploring.logitsOf(policy), next.seen(), round.weights(), after));
                }
                phaseEnd.put(target, after.heldoutLoss().get(target));
            }
            return new Trajectory(
                    id,
                    scenario,
                    seed,
                    policy.name(),
                    config.phaseTokens(),
                    steps,
                    new Trajectory.Outcome(generalBefore, after.heldoutLoss(), phaseEnd));
        } catch (CheckpointException e) {
            throw new IllegalStateException("the pre-trained proxy model cannot be loaded: " + e.getMessage(), e);
        } finally {
            FileTrees.deleteQuietly(state.getParent());
        }
    }

    /** A domain's documents for one phase arrive: the mixer buffers a phase's worth of its tokens. */
    private void arrive(BatchMixer mixer, DomainDocuments documents) {
        while (mixer.bufferedTokens().getOrDefault(documents.domain(), 0) < config.phaseTokens()) {
            DomainDocuments.Tokenized d = documents.next();
            mixer.add(documents.domain(), d.id(), d.tokens(), () -> {});
        }
    }

    /** Every arrived domain's held-out loss, with the tokens trained so far as the mixer counted them. */
    private static EvalFeedback eval(LanguageModel model, BatchMixer mixer, Map<String, int[][]> heldout, long step) {
        Map<String, Double> losses = new TreeMap<>();
        for (String d : mixer.ledger().arrivalOrder()) {
            double sum = 0;
            double[] rows = model.sequenceLosses(heldout.get(d));
            for (double l : rows) {
                sum += l;
            }
            losses.put(d, sum / rows.length);
        }
        return new EvalFeedback(step, mixer.ledger().trainedTokens(), losses);
    }
}

package dev.cpt.mixing.proxy;

import dev.cpt.common.FileTrees;
import dev.cpt.mixing.DomainRoles;
import dev.cpt.mixing.EvalFeedback;
import dev.cpt.mixing.MixingPolicy;
import dev.cpt.mixing.MixingState;
import dev.cpt.mixing.PhaseTracker;
import dev.cpt.mixing.agent.Features;
import dev.cpt.mixing.training.Trajectory;
import dev.cpt.model.CheckpointException;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.OptimizerSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A cheap proxy of the whole system: a tiny {@link LanguageModel} pre-trained on the general domain, then domains
 * arriving one after another; every round the policy chooses weights from a {@link MixingState} built as the mixer
 * builds it, the round's sequences are cut from per-domain streams in those proportions and trained on in shuffled
 * batches, and every arrived domain's held-out loss is measured and fed back. The same seed gives the same run.
 */
public final class ProxyRun {
    private static final Map<String, Path> PRETRAINED = new HashMap<>();
    private static final long HELDOUT_SALT = 0x5eedL;

    private final ProxyConfig config;
    private final List<String> scenario;
    private final long pretrainSeed;
    private final long seed;

    /**
     * @param scenario arrival order: the general domain first, then the domains that arrive after it
     * @param pretrainSeed seed of the general pre-training (runs with the same one share the pre-trained model)
     * @param seed seed of the data streams and of the policy
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
        int seqLen = config.sequenceLength();
        Map<String, DomainStream> train = new LinkedHashMap<>();
        Map<String, int[][]> heldout = new LinkedHashMap<>();
        for (String d : scenario) {
            train.put(d, new DomainStream(d, seed * 31 + d.hashCode(), seqLen));
            heldout.put(
                    d, new DomainStream(d, HELDOUT_SALT * 17 + d.hashCode(), seqLen).next(config.heldoutSequences()));
        }
        Random shuffle = new Random(seed ^ 0x9e3779b97f4a7c15L);
        try (LanguageModel model = LanguageModel.load(pretrained())) {
            List<String> arrived = new ArrayList<>(List.of(Domains.GENERAL));
            Map<String, Long> trained = new TreeMap<>();
            trained.put(Domains.GENERAL, (long) config.pretrainSteps() * config.batchSize() * seqLen);
            List<EvalFeedback> feedback = new ArrayList<>();
            feedback.add(eval(model, arrived, heldout, trained, 0));
            double generalBefore = feedback.get(0).heldoutLoss().get(Domains.GENERAL);
            Map<String, Double> previous = Map.of();
            List<Trajectory.Step> steps = new ArrayList<>();
            Map<String, Double> phaseEnd = new LinkedHashMap<>();
            PhaseTracker phase = new PhaseTracker();
            Allocation allocation = new Allocation();
            long step = 0;
            for (int p = 1; p < scenario.size(); p++) {
                String target = scenario.get(p);
                arrived.add(target);
                trained.putIfAbsent(target, 0L);
                // eval knows the new domain's held-out set once it arrived: the phase's starting point
                feedback.add(eval(model, arrived, heldout, trained, step));
                policy.observe(feedback.get(feedback.size() - 1));
                for (int r = 0; r < config.rounds(); r++) {
                    MixingState state = state(step, arrived, trained, previous, feedback);
                    phase.update(state);
                    Features.View view = Features.of(state, phase, config.phaseTokens());
                    Map<String, Double> weights = policy.weights(state);
                    List<int[]> sequences = cut(allocation, weights, train, trained);
                    Collections.shuffle(sequences, shuffle);
                    for (int s = 0; s < config.stepsPerRound(); s++) {
                        int[][] batch = sequences
                                .subList(s * config.batchSize(), (s + 1) * config.batchSize())
                                .toArray(int[][]::new);
                        model.trainStep(batch, opt);
                        step++;
                    }
                    EvalFeedback after = eval(model, arrived, heldout, trained, step);
                    feedback.add(after);
                    policy.observe(after);
                    DomainRoles roles = DomainRoles.of(state);
                    steps.add(new Trajectory.Step(
                            p,
                            r,
                            view.features(),
                            view.mask(),
                            actionLogits(policy),
                            slotShares(roles, weights),
                            view.slotLoss(),
                            slotLoss(roles, after),
                            view.slotStartLoss(),
                            weights));
                    previous = weights;
                }
                phaseEnd.put(
                        target, feedback.get(feedback.size() - 1).heldoutLoss().get(target));
            }
            return new Trajectory(
                    id,
                    scenario,
                    seed,
                    policy.name(),
                    config.phaseTokens(),
                    steps,
                    new Trajectory.Outcome(
                            generalBefore, feedback.get(feedback.size() - 1).heldoutLoss(), phaseEnd));
        } catch (CheckpointException e) {
            throw new IllegalStateException("the pre-trained proxy model cannot be loaded: " + e.getMessage(), e);
        }
    }

    private MixingState state(
            long round,
            List<String> arrived,
            Map<String, Long> trained,
            Map<String, Double> previous,
            List<EvalFeedback> feedback) {
        // Streams never run dry, so every arrived domain is available: the general domain with the reservoir it was
        // pre-trained on, every other one with a phase's worth; fresh is what of that has not been trained on yet.
        Map<String, Long> available = new TreeMap<>();
        Map<String, Long> fresh = new TreeMap<>();
        for (String d : arrived) {
            long pool = d.equals(Domains.GENERAL) ? trained.get(Domains.GENERAL) : config.phaseTokens();
            available.put(d, pool);
            fresh.put(d, d.equals(Domains.GENERAL) ? 0 : Math.max(0, pool - trained.get(d)));
        }
        return new MixingState(round, arrived, available, fresh, trained, previous, feedback);
    }

    /** The round's sequences in the weights' proportions, as {@link Allocation} counts them. */
    private List<int[]> cut(
            Allocation allocation,
            Map<String, Double> weights,
            Map<String, DomainStream> train,
            Map<String, Long> trained) {
        int total = config.batchSize() * config.stepsPerRound();
        Map<String, Integer> counts = allocation.counts(weights, total);
        List<int[]> out = new ArrayList<>(total);
        counts.forEach((d, n) -> {
            for (int i = 0; i < n; i++) {
                out.add(train.get(d).next());
            }
            trained.merge(d, (long) n * config.sequenceLength(), Long::sum);
        });
        return out;
    }

    private EvalFeedback eval(
            LanguageModel model,
            List<String> arrived,
            Map<String, int[][]> heldout,
            Map<String, Long> trained,
            long step) {
        Map<String, Double> losses = new TreeMap<>();
        for (String d : arrived) {
            double sum = 0;
            double[] rows = model.sequenceLosses(heldout.get(d));
            for (double l : rows) {
                sum += l;
            }
            losses.put(d, sum / rows.length);
        }
        return new EvalFeedback(step, trained, losses);
    }

    private static double[] actionLogits(MixingPolicy policy) {
        return policy instanceof Exploring exploring ? exploring.lastLogits() : null;
    }

    static double[] slotShares(DomainRoles roles, Map<String, Double> weights) {
        List<List<String>> slots = Features.slots(roles);
        double[] shares = new double[Features.SLOTS];
        for (int s = 0; s < shares.length; s++) {
            for (String d : slots.get(s)) {
                shares[s] += weights.getOrDefault(d, 0.0);
            }
        }
        return shares;
    }

    private static double[] slotLoss(DomainRoles roles, EvalFeedback f) {
        List<List<String>> slots = Features.slots(roles);
        double[] out = new double[Features.SLOTS];
        for (int s = 0; s < out.length; s++) {
            double sum = 0;
            int n = 0;
            for (String d : slots.get(s)) {
                Double l = f.heldoutLoss().get(d);
                if (l != null) {
                    sum += l;
                    n++;
                }
            }
            out[s] = n == 0 ? Double.NaN : sum / n;
        }
        return out;
    }

    /** The general pre-training, done once per proxy shape and seed in this JVM and loaded by every run. */
    private Path pretrained() {
        String key = config.model() + "/" + config.pretrainSteps() + "/" + config.learningRate() + "/" + pretrainSeed;
        synchronized (PRETRAINED) {
            Path dir = PRETRAINED.get(key);
            if (dir != null) {
                return dir;
            }
            try (LanguageModel model = LanguageModel.create(config.model(), pretrainSeed)) {
                OptimizerSettings opt = OptimizerSettings.defaults().withLearningRate(config.learningRate());
                DomainStream general = new DomainStream(
                        Domains.GENERAL, pretrainSeed * 31 + Domains.GENERAL.hashCode() + 1, config.sequenceLength());
                for (int s = 0; s < config.pretrainSteps(); s++) {
                    model.trainStep(general.next(config.batchSize()), opt);
                }
                Path base = Files.createTempDirectory("cpt-mixing-proxy-");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> FileTrees.deleteQuietly(base)));
                dir = base.resolve("pretrained");
                model.save(dir, Map.of("proxy", key));
                PRETRAINED.put(key, dir);
                return dir;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the pre-trained proxy model", e);
            }
        }
    }
}

package dev.cpt.mixing.text;

import dev.cpt.common.FileTrees;
import dev.cpt.mixing.EvalFeedback;
import dev.cpt.mixing.MixingPolicy;
import dev.cpt.mixing.PhaseTracker;
import dev.cpt.mixing.proxy.Exploring;
import dev.cpt.mixing.proxy.ProxyMixer;
import dev.cpt.mixing.rounds.BatchMixer;
import dev.cpt.mixing.rounds.DomainBuffer;
import dev.cpt.mixing.rounds.RoundMessages;
import dev.cpt.mixing.training.Trajectory;
import dev.cpt.model.DataParallel;
import dev.cpt.model.LanguageModel;
import dev.cpt.training.HeldoutScorer;
import dev.cpt.training.OptimizerSteps;
import dev.cpt.training.schedule.LearningRateSchedule;
import dev.cpt.training.schedule.PhaseClock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * One run of a domain sequence on real text, with the services' own code: the mixer's round cutting ({@link
 * BatchMixer}, its carry, packing with document boundaries and replay reservoir) turns the policy's weights into the
 * batch messages the mixer publishes ({@link RoundMessages}); the trainer's optimizer steps ({@link OptimizerSteps},
 * its AdamW settings and re-warming schedule) train on them; eval's held-out scoring ({@link HeldoutScorer}) measures
 * every arrived domain after every round, and the result goes back to the policy through the mixer. It starts from the
 * seed's general pre-training ({@link TextBase}); the seed also orders each domain's documents and the mixer's replay
 * draws. The same seed and policy give the same run.
 */
public final class TextRun {
    private final TextCorpora corpora;
    private final TextRunSettings settings;
    private final List<String> sequence;
    private final TextBase base;
    private final long seed;

    /** A trajectory, and the tokens trained in each phase (replay included). */
    public record Result(Trajectory trajectory, List<Long> phaseTokens) {}

    /**
     * @param sequence arrival order: the general domain first, then at least one domain after it
     * @param base the seed's pre-trained start
     */
    public TextRun(TextCorpora corpora, TextRunSettings settings, List<String> sequence, TextBase base, long seed) {
        if (sequence.size() < 2 || !sequence.get(0).equals(corpora.general())) {
            throw new IllegalArgumentException("a sequence starts with the general domain " + corpora.general()
                    + " and has at least one domain after it, got " + sequence);
        }
        sequence.forEach(corpora::domain);
        this.corpora = corpora;
        this.settings = settings;
        this.sequence = List.copyOf(sequence);
        this.base = base;
        this.seed = seed;
    }

    /** The mixer's round shape for this model: the tokenizer's EOS separates documents, as the mixer's default. */
    static BatchMixer.Shape shape(TextRunSettings settings, TextCorpora corpora, int batchesPerRound) {
        return new BatchMixer.Shape(
                settings.decoderConfig().contextLength(),
                settings.batchSize(),
                batchesPerRound,
                corpora.tokenizer().eos().orElse(DomainBuffer.NO_SEPARATOR));
    }

    /** Runs the sequence; the policy factory gets the run's seed (for policies that explore). */
    public Result run(String id, Function<Long, MixingPolicy> policyFactory) {
        MixingPolicy policy = policyFactory.apply(seed);
        Map<String, DocumentStream> streams = new LinkedHashMap<>();
        for (String d : sequence.subList(1, sequence.size())) {
            streams.put(d, new DocumentStream(corpora.domain(d), seed, false));
        }
        Path state = base.copyMixerState();
        try (LanguageModel model = base.copyModel();
                DataParallel replicas = DataParallel.over(model, List.of(model.device()))) {
            OptimizerSteps steps = new OptimizerSteps(
                    replicas, settings.optimizer(), 1, new PhaseClock(true, base.phase()), base.steps());
            // the ledger keeps every eval of the run: phases index the feedback from their start
            BatchMixer mixer = ProxyMixer.open(
                    state, shape(settings, corpora, settings.batchesPerRound()), policy, Integer.MAX_VALUE, seed);
            streams.get(sequence.get(1)).arrive(mixer, settings.phaseTokens());
            EvalFeedback after = eval(model, mixer, steps.step());
            mixer.observe(after);
            double generalBefore = after.heldoutLoss().get(corpora.general());
            List<Trajectory.Step> trajectory = new ArrayList<>();
            List<Long> phaseTokens = new ArrayList<>();
            Map<String, Double> phaseEnd = new LinkedHashMap<>();
            PhaseTracker phase = new PhaseTracker();
            for (int p = 1; p < sequence.size(); p++) {
                long tokensBefore = trainedTokens(mixer);
                boolean last = false;
                for (int r = 0; !last; r++) {
                    ProxyMixer.Next next = ProxyMixer.nextRound(mixer, phase, 0);
                    train(mixer, next.round(), steps, settings, corpora);
                    last = phaseEnds(mixer, r + 1);
                    if (last && p + 1 < sequence.size()) {
                        // the next domain arrives before this eval, so the eval scores its starting point
                        streams.get(sequence.get(p + 1)).arrive(mixer, settings.phaseTokens());
                    }
                    after = eval(model, mixer, steps.step());
                    mixer.observe(after);
                    trajectory.add(Trajectory.Step.of(
                            p,
                            r,
                            next.view(),
                            Exploring.logitsOf(policy),
                            next.seen(),
                            next.round().weights(),
                            after));
                }
                phaseTokens.add(trainedTokens(mixer) - tokensBefore);
                phaseEnd.put(sequence.get(p), after.heldoutLoss().get(sequence.get(p)));
            }
            return new Result(
                    new Trajectory(
                            id,
                            sequence,
                            seed,
                            policy.name(),
                            0,
                            trajectory,
                            new Trajectory.Outcome(generalBefore, after.heldoutLoss(), phaseEnd)),
                    phaseTokens);
        } finally {
            FileTrees.deleteQuietly(state.getParent());
        }
    }

    /**
     * Trains a round as the trainer consumes it, batch message by batch message (one optimizer step each), then
     * commits it to the mixer, as the mixer does once its transaction is on the broker.
     */
    static void train(
            BatchMixer mixer,
            BatchMixer.Round round,
            OptimizerSteps steps,
            TextRunSettings settings,
            TextCorpora corpora) {
        RoundMessages messages = RoundMessages.of(
                round,
                settings.decoderConfig().contextLength(),
                corpora.tokenizer().fingerprint(),
                Instant.EPOCH);
        LearningRateSchedule schedule = settings.schedule();
        messages.batches().forEach(b -> steps.train(b, schedule));
        mixer.committed(round);
    }

    /**
     * Whether the phase ends after {@code rounds} rounds: at the fixed count under the equal-budget reading, when the
     * fresh data no longer fills a round under the equal-fresh one.
     */
    private boolean phaseEnds(BatchMixer mixer, int rounds) {
        return switch (settings.budget()) {
            case EQUAL_TOKENS -> rounds == settings.rounds();
            case EQUAL_FRESH -> !mixer.hasFullRound();
        };
    }

    /** Tokens trained so far, all domains and replay included, as the mixer's ledger counts them. */
    private static long trainedTokens(BatchMixer mixer) {
        return mixer.ledger().trainedTokens().values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }

    /** Every arrived domain's held-out loss as eval scores it, with the tokens trained so far as the mixer counted. */
    private EvalFeedback eval(LanguageModel model, BatchMixer mixer, long step) {
        Map<String, Double> losses = new TreeMap<>();
        for (String d : mixer.ledger().arrivalOrder()) {
            losses.put(
                    d, HeldoutScorer.score(model, corpora.domain(d).heldout()).loss());
        }
        return new EvalFeedback(step, mixer.ledger().trainedTokens(), losses);
    }
}

package dev.cpt.trainer.grpo;

import dev.cpt.contracts.GrpoStepReport;
import dev.cpt.contracts.RewardRequest;
import dev.cpt.model.Generator;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.PolicyBatch;
import dev.cpt.model.PolicyObjective;
import dev.cpt.model.PolicyStepResult;
import dev.cpt.model.SamplingSettings;
import dev.cpt.model.tokenizer.Tokenizer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * GRPO (DeepSeekMath): per step, sample G completions for each of a few prompts from the current policy, ask for
 * their rewards, turn each complete group's rewards into group-relative advantages, and take the clipped-ratio
 * policy steps with a KL penalty to the frozen reference. Framework-free: the trainer runs it against the reward
 * service over Kafka, the benchmark against an in-process reward.
 *
 * <p>Rewards may come late. A step waits at most {@code rewardTimeout} for the rollouts it sampled; a group still
 * incomplete then stays pending while it is within {@code maxStalenessSteps} policy updates of the policy that
 * sampled it (its pi_old log-probabilities make the ratio correct for it later) and is dropped and counted after
 * that. So a silent reward service costs each step one timeout and never hangs it.
 *
 * <p>All of a step's rollouts, G per prompt for every prompt, are sampled as one batch with the key/value cache, and
 * the sampler's own log-probabilities are the behaviour policy's (no second forward pass). With {@code overlap}, each
 * step starts by sampling the next step's rollouts on a second thread, from a copy of the policy's weights as they are
 * before its update (the loop holds that copy: a second set of the policy's weights, without optimizer state), and
 * sends their reward requests as soon as they are sampled; meanwhile it waits for its own rewards and trains. So
 * sampling, the reward service and the update run at the same time. A rollout used k > 0 updates after it was sampled
 * is corrected as in decoupled PPO with truncated importance sampling (see {@link dev.cpt.model.PolicyObjective}): the
 * ratio is taken against the policy before this step's update and each token is weighted by
 * {@code min(pi_old / mu, importanceCap)}; rollouts of the current policy take the plain objective. With one inner
 * step pi_old is the update's own forward pass, detached ({@link PolicyBatch#withBehaviourRows}); with more it is one
 * extra forward without gradients, held for all of them.
 */
public final class GrpoLoop implements AutoCloseable {

    /** Runs model work with the trainer's other training held off (the CPT consumer); the identity elsewhere. */
    @FunctionalInterface
    public interface Exclusive {
        <T> T run(Supplier<T> work);
    }

    /** Mean reward of greedy answers to held-out prompts; {@code answered} may fall short of {@code asked}. */
    public record HeldOutReward(double mean, int answered, int asked) {}

    /** One step's worth of rollouts and what sampling them took. */
    private record Rollouts(List<Group> groups, long tokens, Duration took) {}

    /** A step's last policy update and the share of its tokens whose importance weight was truncated. */
    private record Trained(PolicyStepResult result, double truncatedFraction) {}

    private static final class Group {
        final String id;
        final long version;
        final TaskExample example;
        final int[] prompt;
        final int[][] completions;
        final float[][] oldLogProbs;
        final List<String> requestIds = new ArrayList<>();
        final double[] rewards;
        // the frozen reference's log-probabilities of the completions, once taken (with a KL penalty only)
        float[][] refLogProbs;

        Group(String id, long version, TaskExample example, int[] prompt, int[][] completions, float[][] oldLogProbs) {
            this.id = id;
            this.version = version;
            this.example = example;
            this.prompt = prompt;
            this.completions = completions;
            this.oldLogProbs = oldLogProbs;
            this.rewards = new double[completions.length];
            Arrays.fill(rewards, Double.NaN);
            for (int i = 0; i < completions.length; i++) {
                requestIds.add(id + "-" + i);
            }
        }

        boolean complete() {
            return Arrays.stream(rewards).noneMatch(Double::isNaN);
        }

        List<String> missing() {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < rewards.length; i++) {
                if (Double.isNaN(rewards[i])) {
                    out.add(requestIds.get(i));
                }
            }
            return out;
        }
    }

    private final String stageId;
    private final LanguageModel policy;
    private final LanguageModel reference;
    private final RewardSource rewards;
    private final GrpoSettings settings;
    private final Exclusive exclusive;
    private final Tokenizer tokenizer;
    private final int stopToken;
    private final List<TaskExample> train;
    private final Random rng;
    // with overlap: the copy of the policy the next rollouts are sampled from while the policy trains, and its thread
    private final LanguageModel sampler;
    private final ExecutorService samplingThread;
    private final List<Group> pending = new ArrayList<>();
    // the next step's rollouts, sampled before this step's update when overlapping; null otherwise
    private Rollouts prefetched;
    // the first step's rollouts, being sampled ahead of it (startFirstRollouts); null otherwise
    private Future<Rollouts> firstAhead;
    private boolean stepped;
    private long step;
    private long policyVersion;
    private long lateSeen;
    private int nextPrompt;

    /**
     * @param reference the frozen reference; may be null when the KL beta is 0 (then no reference forward is run)
     */
    public GrpoLoop(
            String stageId,
            LanguageModel policy,
            LanguageModel reference,
            RewardSource rewards,
            List<TaskExample> train,
            GrpoSettings settings,
            Exclusive exclusive) {
        if (settings.objective().klBeta() > 0 && reference == null) {
            throw new IllegalArgumentException("a KL penalty needs a reference model");
        }
        if (train.isEmpty()) {
            throw new IllegalArgumentException("no training prompts");
        }
        if (settings.overlap() && settings.maxStalenessSteps() < 1) {
            throw new IllegalArgumentException(
                    "overlapped rollouts are one update old when they are used: maxStalenessSteps must be at least 1");
        }
        this.stageId = stageId;
        this.policy = policy;
        this.reference = reference;
        this.rewards = rewards;
        this.settings = settings;
        this.exclusive = exclusive;
        this.tokenizer = policy.tokenizer();
        int[] stop = tokenizer.encode(String.valueOf(TaskExample.STOP));
        if (stop.length != 1) {
            throw new IllegalArgumentException(
                    "the tokenizer " + tokenizer.name() + " has no single token for a newline");
        }
        this.stopToken = stop[0];
        this.rng = new Random(settings.seed());
        List<TaskExample> shuffled = new ArrayList<>(train);
        java.util.Collections.shuffle(shuffled, rng);
        this.train = List.copyOf(shuffled);
        this.lateSeen = rewards.lateAnswers();
        this.sampler = settings.overlap() ? policy.copy() : null;
        this.samplingThread = settings.overlap()
                ? Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "grpo-sampler-" + stageId);
                    t.setDaemon(true);
                    return t;
                })
                : null;
    }

    /**
     * Makes a loop over a policy loaded from a stage's checkpoint at {@code step} go on as that stage: its next step
     * is {@code step + 1}, its policy version {@code policyVersion}, and its prompts continue where the first
     * {@code step} steps left off. Only before the first step; the sampling's random draws start afresh.
     */
    public void continueFrom(long step, long policyVersion) {
        if (this.step != 0 || firstAhead != null) {
            throw new IllegalStateException("the loop has already taken " + this.step + " steps or started its first");
        }
        this.step = step;
        this.policyVersion = policyVersion;
        this.nextPrompt = (int) (step * settings.promptsPerStep() % train.size());
    }

    /**
     * With overlap, starts sampling the next step's rollouts on the sampling thread now, from the policy as it is, and
     * sending their reward requests: they are sampled while the caller does its other work before that step (a stage
     * writes its step-0 checkpoint and takes the held-out reward meanwhile), instead of by the step itself. Only before
     * a loop's first step (after {@link #continueFrom}, if any); without overlap it does nothing.
     */
    public void startFirstRollouts() {
        if (stepped || firstAhead != null) {
            throw new IllegalStateException("the first rollouts are started once, before the first step");
        }
        if (settings.overlap()) {
            firstAhead = sampleAside(step + 1);
        }
    }

    /** Policy updates applied so far (the version the next rollouts are sampled from). */
    public long policyVersion() {
        return policyVersion;
    }

    /** A step that another follows; see {@link #step(boolean)}. */
    public GrpoStepReport step() throws InterruptedException {
        return step(true);
    }

    /**
     * One GRPO step. {@code anotherFollows}: whether a next step will run; with overlap, its rollouts are sampled
     * during this one, and the stage's last step samples none (they would be dropped unused).
     */
    public GrpoStepReport step(boolean anotherFollows) throws InterruptedException {
        long started = System.nanoTime();
        long thisStep = ++step;
        stepped = true;
        // 1. rollouts: G completions per prompt with their log-probabilities under the policy that sampled them,
        // sampled by the previous step before its update when overlapping, else now
        Rollouts sampled;
        if (prefetched != null) {
            sampled = prefetched;
        } else if (firstAhead != null) {
            sampled = join(firstAhead);
        } else {
            sampled = sent(exclusive.run(() -> rollouts(policy, thisStep, policyVersion)));
        }
        prefetched = null;
        firstAhead = null;
        // with overlap, the next step's rollouts are sampled meanwhile, from the policy as it is before this update
        Future<Rollouts> next = settings.overlap() && anotherFollows ? sampleAside(thisStep + 1) : null;
        Supplier<Rollouts> rolled;
        if (next != null) {
            rolled = () -> prefetched = join(next);
        } else if (settings.overlap()) {
            // the last step: its rollouts came from the step before, and it samples none of its own
            rolled = () -> new Rollouts(List.of(), 0, Duration.ZERO);
        } else {
            rolled = () -> sampled;
        }
        try {
            return trainOn(thisStep, started, sampled, rolled);
        } finally {
            if (next != null && prefetched == null) {
                // the step failed before it took them
                prefetched = join(next);
            }
        }
    }

    /** Steps 2 to 4 on this step's rollouts; {@code rolled} gives the rollouts sampled for the next step (or these). */
    private GrpoStepReport trainOn(long thisStep, long started, Rollouts sampled, Supplier<Rollouts> rolled)
            throws InterruptedException {
        List<Group> fresh = sampled.groups();
        pending.addAll(fresh);
        // the reference pass needs no rewards: it runs while the reward service scores these rollouts
        scoreOnReference(fresh);

        // 2. rewards: wait for this step's (bounded by the timeout), collect whatever older groups got meanwhile
        List<String> freshIds =
                fresh.stream().flatMap(g -> g.requestIds.stream()).toList();
        Map<String, Double> got = new java.util.HashMap<>(rewards.await(freshIds, settings.rewardTimeout()));
        List<String> olderIds = pending.stream()
                .filter(g -> !fresh.contains(g))
                .flatMap(g -> g.missing().stream())
                .toList();
        got.putAll(rewards.await(olderIds, Duration.ZERO));
        for (Group g : pending) {
            for (int i = 0; i < g.rewards.length; i++) {
                Double r = got.get(g.requestIds.get(i));
                if (r != null) {
                    g.rewards[i] = r;
                }
            }
        }
        List<Group> ready = new ArrayList<>();
        int stale = 0;
        for (Iterator<Group> it = pending.iterator(); it.hasNext(); ) {
            Group g = it.next();
            if (g.complete()) {
                ready.add(g);
                it.remove();
            } else if (policyVersion + 1 - g.version > settings.maxStalenessSteps()) {
                // by the next step it would be older than allowed: give up on it now
                rewards.abandon(g.missing());
                stale++;
                it.remove();
            }
        }
        long late = rewards.lateAnswers() - lateSeen;
        lateSeen += late;
        if (ready.isEmpty()) {
            Rollouts next = rolled.get();
            return new GrpoStepReport(
                    thisStep,
                    policyVersion,
                    fresh.size(),
                    0,
                    0,
                    stale,
                    late,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    false,
                    Duration.ofNanos(System.nanoTime() - started),
                    next.tokens(),
                    next.took(),
                    Double.NaN,
                    Double.NaN);
        }

        // 3. group-relative advantages; an all-equal group gets zeros and is counted
        int rows = ready.stream().mapToInt(g -> g.completions.length).sum();
        int[][] prompts = new int[rows][];
        int[][] completions = new int[rows][];
        float[][] behaviour = new float[rows][];
        scoreOnReference(ready);
        float[][] ref = settings.objective().klBeta() > 0 ? new float[rows][] : null;
        boolean[] offPolicy = new boolean[rows];
        double[] advantages = new double[rows];
        double rewardSum = 0;
        double stalenessSum = 0;
        int zeroStd = 0;
        int row = 0;
        for (Group g : ready) {
            Advantages.Group a = Advantages.of(g.rewards);
            zeroStd += a.zeroStd() ? 1 : 0;
            stalenessSum += policyVersion - g.version;
            for (int i = 0; i < g.completions.length; i++, row++) {
                prompts[row] = g.prompt;
                completions[row] = g.completions[i];
                behaviour[row] = g.oldLogProbs[i];
                if (ref != null) {
                    ref[row] = g.refLogProbs[i];
                }
                offPolicy[row] = g.version < policyVersion;
                advantages[row] = a.advantages()[i];
                rewardSum += g.rewards[i];
            }
        }
        double meanStaleness = stalenessSum / ready.size();

        // 4. the clipped-ratio update with the KL penalty, innerSteps times on the same rollouts
        Trained trained = exclusive.run(
                () -> train(batch(prompts, completions, behaviour, offPolicy, ref, advantages), offPolicy));
        Rollouts next = rolled.get();
        PolicyStepResult last = trained.result();
        if (last.applied()) {
            policyVersion++;
        }
        return new GrpoStepReport(
                thisStep,
                policyVersion,
                fresh.size(),
                ready.size(),
                zeroStd,
                stale,
                late,
                rewardSum / rows,
                std(advantages),
                last.loss(),
                last.meanKl(),
                last.clipFraction(),
                last.meanRatio(),
                last.applied(),
                Duration.ofNanos(System.nanoTime() - started),
                next.tokens(),
                next.took(),
                meanStaleness,
                trained.truncatedFraction());
    }

    /** The policy update(s) on the step's batch ({@link #batch}); {@code offPolicy} marks its stale rows. */
    private Trained train(PolicyBatch batch, boolean[] offPolicy) {
        PolicyStepResult result = null;
        for (int inner = 0; inner < settings.innerSteps(); inner++) {
            result = policy.policyStep(batch, settings.objective(), settings.optimizer());
        }
        // behaviour rows: the step truncated their weights itself; precomputed weights were truncated here
        double truncated =
                batch.behaviourRows() != null ? result.truncatedFraction() : truncatedFraction(batch, offPolicy);
        return new Trained(result, truncated);
    }

    /**
     * Takes the reference's log-probabilities of the completions of those {@code groups} that lack them, in one pass,
     * at the sampling temperature too, so the KL compares the same tempered distributions. Nothing without a KL
     * penalty.
     */
    private void scoreOnReference(List<Group> groups) {
        if (settings.objective().klBeta() == 0) {
            return;
        }
        List<Group> missing = groups.stream().filter(g -> g.refLogProbs == null).toList();
        if (missing.isEmpty()) {
            return;
        }
        int[][] prompts = missing.stream()
                .flatMap(g -> Arrays.stream(g.completions).map(c -> g.prompt))
                .toArray(int[][]::new);
        int[][] completions =
                missing.stream().flatMap(g -> Arrays.stream(g.completions)).toArray(int[][]::new);
        float[][] ref = exclusive.run(() -> reference.completionLogProbs(prompts, completions, settings.temperature()));
        int row = 0;
        for (Group g : missing) {
            g.refLogProbs = Arrays.copyOfRange(ref, row, row + g.completions.length);
            row += g.completions.length;
        }
    }

    /**
     * Starts sampling step {@code forStep}'s rollouts on the sampling thread, from a copy of the policy's weights as
     * they are now, and sending their reward requests as soon as they are sampled. Not under {@link Exclusive}: the
     * copy is the loop's own and sampling records no gradients, so it cannot collide with a training step of the
     * trainer's.
     */
    private Future<Rollouts> sampleAside(long forStep) {
        sampler.copyWeightsFrom(policy);
        long version = policyVersion;
        return samplingThread.submit(() -> sent(rollouts(sampler, forStep, version)));
    }

    /**
     * The sampled rollouts, once sampling is done. An interrupt does not cut the wait short (sampling is native work
     * on the policy's copy, which must be idle before anything else touches it); it is kept for the caller's next wait.
     */
    private static Rollouts join(Future<Rollouts> next) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return next.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The policy batch: rows sampled by the current policy take their sampling log-probabilities as pi_old and weight
     * 1; rows of an older policy mu take the current policy's (the proximal policy) and the truncated weight
     * min(pi_old / mu, C). With one inner step the update's own pass supplies pi_old for those rows; with more, one
     * forward without gradients, fixed over them. Without stale rows it is the plain on-policy batch.
     */
    private PolicyBatch batch(
            int[][] prompts,
            int[][] completions,
            float[][] behaviour,
            boolean[] offPolicy,
            float[][] ref,
            double[] advantages) {
        if (settings.innerSteps() == 1) {
            return PolicyBatch.withBehaviourRows(
                    prompts,
                    completions,
                    behaviour,
                    ref,
                    advantages,
                    settings.temperature(),
                    offPolicy,
                    settings.importanceCap());
        }
        int[] staleRows =
                IntStream.range(0, offPolicy.length).filter(r -> offPolicy[r]).toArray();
        if (staleRows.length == 0) {
            return new PolicyBatch(prompts, completions, behaviour, ref, advantages, settings.temperature());
        }
        int[][] stalePrompts = new int[staleRows.length][];
        int[][] staleCompletions = new int[staleRows.length][];
        float[][] staleBehaviour = new float[staleRows.length][];
        for (int i = 0; i < staleRows.length; i++) {
            stalePrompts[i] = prompts[staleRows[i]];
            staleCompletions[i] = completions[staleRows[i]];
            staleBehaviour[i] = behaviour[staleRows[i]];
        }
        float[][] proximal = policy.completionLogProbs(stalePrompts, staleCompletions, settings.temperature());
        float[][] staleWeights = PolicyObjective.truncatedWeights(proximal, staleBehaviour, settings.importanceCap());
        float[][] old = behaviour.clone();
        float[][] weights = new float[prompts.length][];
        for (int r = 0; r < weights.length; r++) {
            weights[r] = new float[completions[r].length];
            Arrays.fill(weights[r], 1f);
        }
        for (int i = 0; i < staleRows.length; i++) {
            old[staleRows[i]] = proximal[i];
            weights[staleRows[i]] = staleWeights[i];
        }
        return new PolicyBatch(prompts, completions, old, ref, advantages, settings.temperature(), weights);
    }

    /** Share of the batch's completion tokens of older policies whose importance weight was cut to the cap. */
    private double truncatedFraction(PolicyBatch batch, boolean[] offPolicy) {
        long tokens = 0;
        long truncated = 0;
        for (int r = 0; r < batch.rows(); r++) {
            tokens += batch.completions()[r].length;
            if (offPolicy[r]) {
                for (float w : batch.importanceWeights()[r]) {
                    truncated += w >= settings.importanceCap() ? 1 : 0;
                }
            }
        }
        return tokens == 0 ? 0 : (double) truncated / tokens;
    }

    /** Drops every group still waiting for rewards (at the end of a stage), counting them; returns how many. */
    public int abandonPending() {
        if (firstAhead != null) {
            prefetched = join(firstAhead);
            firstAhead = null;
        }
        if (prefetched != null) {
            pending.addAll(prefetched.groups());
            prefetched = null;
        }
        int n = pending.size();
        pending.forEach(g -> rewards.abandon(g.missing()));
        pending.clear();
        return n;
    }

    /**
     * The mean reward of the policy's greedy answers to {@code examples}, scored by the same reward source; answers
     * whose rewards do not come within the timeout are left out of the mean and counted in {@code answered}.
     */
    public HeldOutReward heldOutReward(List<TaskExample> examples, String label) throws InterruptedException {
        SamplingSettings greedy = new SamplingSettings(0, 0, 1.0, settings.maxNewTokens(), Set.of(stopToken));
        if (examples.isEmpty()) {
            return new HeldOutReward(Double.NaN, 0, 0);
        }
        List<RewardRequest> requests = exclusive.run(() -> {
            int[][] prompts =
                    examples.stream().map(e -> tokenizer.encode(e.prompt())).toArray(int[][]::new);
            Generator.Rollout[] answers = policy.sampleRollouts(prompts, greedy, rng);
            List<RewardRequest> out = new ArrayList<>();
            for (int i = 0; i < examples.size(); i++) {
                TaskExample e = examples.get(i);
                out.add(new RewardRequest(
                        stageId + "-" + label + "-" + i,
                        stageId + "-" + label,
                        e.prompt(),
                        text(answers[i].tokens()),
                        e.reference(),
                        Instant.now()));
            }
            return out;
        });
        rewards.request(requests);
        List<String> ids = requests.stream().map(RewardRequest::requestId).toList();
        Map<String, Double> got = rewards.await(ids, settings.rewardTimeout());
        rewards.abandon(ids.stream().filter(id -> !got.containsKey(id)).toList());
        double mean =
                got.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        return new HeldOutReward(mean, got.size(), examples.size());
    }

    /** Sends the reward requests of {@code r}'s rollouts. */
    private Rollouts sent(Rollouts r) {
        List<RewardRequest> requests = new ArrayList<>();
        for (Group g : r.groups()) {
            for (int i = 0; i < g.completions.length; i++) {
                requests.add(new RewardRequest(
                        g.requestIds.get(i),
                        g.id,
                        g.example.prompt(),
                        text(g.completions[i]),
                        g.example.reference(),
                        Instant.now()));
            }
        }
        rewards.request(requests);
        return r;
    }

    /**
     * Every prompt's G completions of step {@code forStep}, all in one batch, sampled from {@code model} (the policy at
     * {@code version}, or its copy), with the log-probabilities they were sampled with.
     */
    private Rollouts rollouts(LanguageModel model, long forStep, long version) {
        long started = System.nanoTime();
        // no top-k or top-p: the sampler's log-probabilities are then exactly pi_old's (see PolicyBatch)
        SamplingSettings sampling =
                new SamplingSettings(settings.temperature(), 0, 1.0, settings.maxNewTokens(), Set.of(stopToken));
        int g = settings.groupSize();
        List<TaskExample> examples = new ArrayList<>();
        int[][] prompts = new int[settings.promptsPerStep() * g][];
        for (int p = 0; p < settings.promptsPerStep(); p++) {
            TaskExample example = train.get(nextPrompt++ % train.size());
            examples.add(example);
            Arrays.fill(prompts, p * g, (p + 1) * g, tokenizer.encode(example.prompt()));
        }
        Generator.Rollout[] sampled = model.sampleRollouts(prompts, sampling, rng);
        List<Group> out = new ArrayList<>();
        long tokens = 0;
        for (int p = 0; p < examples.size(); p++) {
            int[][] completions = new int[g][];
            float[][] logProbs = new float[g][];
            for (int i = 0; i < g; i++) {
                completions[i] = sampled[p * g + i].tokens();
                logProbs[i] = sampled[p * g + i].logProbs();
                tokens += completions[i].length;
            }
            String id = stageId + "-s" + forStep + "-p" + p;
            out.add(new Group(id, version, examples.get(p), prompts[p * g], completions, logProbs));
        }
        return new Rollouts(out, tokens, Duration.ofNanos(System.nanoTime() - started));
    }

    /** The completion as text, without its stop token. */
    private String text(int[] completion) {
        int n = completion.length;
        if (n > 0 && completion[n - 1] == stopToken) {
            n--;
        }
        return tokenizer.decode(Arrays.copyOf(completion, n)).strip();
    }

    /** Stops the sampling thread and frees the policy's copy; the policy and the reference stay the caller's. */
    @Override
    public void close() {
        if (samplingThread != null) {
            if (firstAhead != null) {
                // a stage that failed before its first step: the copy must be idle before it is freed
                abandonPending();
            }
            samplingThread.shutdownNow();
            sampler.close();
        }
    }

    private static double std(double[] xs) {
        double mean = Arrays.stream(xs).average().orElse(0);
        return Math.sqrt(
                Arrays.stream(xs).map(x -> (x - mean) * (x - mean)).average().orElse(0));
    }
}

package dev.cpt.trainer.bench;

import ai.djl.Device;
import dev.cpt.contracts.GrpoStepReport;
import dev.cpt.contracts.RewardRequest;
import dev.cpt.model.Generator;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.PolicyObjective;
import dev.cpt.model.SamplingSettings;
import dev.cpt.model.arch.CausalDecoder;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.trainer.grpo.DemoTasks;
import dev.cpt.trainer.grpo.GrpoLoop;
import dev.cpt.trainer.grpo.GrpoSettings;
import dev.cpt.trainer.grpo.RewardSource;
import dev.cpt.trainer.grpo.TaskExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * GRPO rollouts and steps in the demo's stage configuration (the launcher's {@code TrainerGrpoStage.demo()} on the
 * trainer's defaults: GPT-2 small1M over bytes, arithmetic, G = 8, 4 prompts per step, 48 new tokens, temperature 1,
 * beta 0.1, learning rate 1e-4, one inner step).
 *
 * <p>Part 1, rollout tokens/s: the 32 rows of one step sampled without the key/value cache one group at a time, with
 * the cache one group at a time (the loop before this change), and with the cache all prompts in one batch (the loop
 * now), on random weights with no stop token, so every row runs its 48 tokens. Part 2, seconds per GRPO step: the
 * loop on a briefly pre-trained base (so answers stop at a newline, as the demo's do), rewards answered after a fixed
 * latency by the in-process trigram reward, sequential against overlapped rewards, for each latency given.
 *
 * <p>Arguments: {@code [pretrain steps] [measured steps] [reward latencies in ms, comma-separated] [rounds] [seed]}.
 */
public final class GrpoRolloutBenchmark {
    private static final int GROUP = 8;
    private static final int PROMPTS = 4;
    private static final int NEW_TOKENS = 48;
    private static final int WARMUP_STEPS = 2;
    private static final GrpoLoop.Exclusive DIRECT = new GrpoLoop.Exclusive() {
        @Override
        public <T> T run(Supplier<T> work) {
            return work.get();
        }
    };

    public static void main(String[] args) throws Exception {
        int pretrainSteps = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int[] latencies = Arrays.stream((args.length > 2 ? args[2] : "0,100,300").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        long seed = args.length > 4 ? Long.parseLong(args[4]) : 7;
        GptConfig config = GptConfig.small1M();
        DemoTasks.Split split = DemoTasks.split("arithmetic", 200, 40, seed);
        System.out.printf(
                Locale.ROOT,
                "GRPO rollouts: GPT-2 small1M (%d layers, width %d, context %d), G=%d, %d prompts/step, %d new tokens%n",
                config.layers(),
                config.embedDim(),
                config.contextLength(),
                GROUP,
                PROMPTS,
                NEW_TOKENS);
        rolloutThroughput(config, split.train(), rounds, seed);
        stepTimes(config, split.train(), pretrainSteps, steps, latencies, seed);
    }

    private static void rolloutThroughput(GptConfig config, List<TaskExample> train, int rounds, long seed) {
        ByteTokenizer bytes = ByteTokenizer.INSTANCE;
        int[][] prompts = new int[PROMPTS][];
        for (int p = 0; p < PROMPTS; p++) {
            prompts[p] = bytes.encode(train.get(p).prompt());
        }
        int[][] rows = new int[PROMPTS * GROUP][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = prompts[r / GROUP];
        }
        // no stop token: every row samples all its tokens, whatever the random weights pick
        SamplingSettings s = new SamplingSettings(1.0, 0, 1.0, NEW_TOKENS, Set.of());
        try (CausalDecoder decoder = CausalDecoder.create(config, seed, Device.cpu())) {
            Generator full = new Generator(decoder, false);
            Generator cached = new Generator(decoder, true);
            Map<String, Supplier<Long>> ways = new LinkedHashMap<>();
            Random rng = new Random(seed);
            ways.put("no cache, one group at a time", () -> perGroup(full, prompts, s, rng));
            ways.put("cache, one group at a time", () -> perGroup(cached, prompts, s, rng));
            ways.put(
                    "cache, all prompts in one batch",
                    () -> Arrays.stream(cached.sample(rows, s, rng))
                            .mapToLong(r -> r.tokens().length)
                            .sum());
            ways.values().forEach(Supplier::get); // warm-up
            for (var way : ways.entrySet()) {
                double[] rates = new double[rounds];
                for (int i = 0; i < rounds; i++) {
                    long t0 = System.nanoTime();
                    long tokens = way.getValue().get();
                    rates[i] = tokens / ((System.nanoTime() - t0) / 1e9);
                }
                Arrays.sort(rates);
                System.out.printf(
                        Locale.ROOT,
                        "RESULT part=rollouts way=\"%s\" rows=%d tokens_per_s=%.0f (median of %d)%n",
                        way.getKey(),
                        rows.length,
                        rates[rounds / 2],
                        rounds);
            }
        }
    }

    private static long perGroup(Generator g, int[][] prompts, SamplingSettings s, Random rng) {
        long tokens = 0;
        for (int[] prompt : prompts) {
            for (int[] row : g.sampleGroup(prompt, GROUP, s, rng)) {
                tokens += row.length;
            }
        }
        return tokens;
    }

    private static void stepTimes(
            GptConfig config, List<TaskExample> train, int pretrainSteps, int steps, int[] latencies, long seed)
            throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(root.resolve("cpt-launcher")) && root.getParent() != null) {
            root = root.getParent();
        }
        String general = Files.readString(root.resolve("cpt-launcher/src/main/resources/corpus/general.txt"));
        try (LanguageModel base = LanguageModel.create(config, seed)) {
            long t0 = System.nanoTime();
            double loss = GrpoVsSftBenchmark.pretrain(base, general, train, pretrainSteps, new Random(seed));
            System.out.printf(
                    Locale.ROOT,
                    "base: pre-trained %d steps in %.1f s, last loss %.3f%n",
                    pretrainSteps,
                    (System.nanoTime() - t0) / 1e9,
                    loss);
            for (int latency : latencies) {
                for (boolean overlap : new boolean[] {false, true}) {
                    GrpoSettings settings = new GrpoSettings(
                            GROUP,
                            PROMPTS,
                            1,
                            new PolicyObjective(0.2, 0.1),
                            OptimizerSettings.defaults().withLearningRate(1e-4),
                            1.0,
                            NEW_TOKENS,
                            Duration.ofSeconds(30),
                            1,
                            overlap,
                            2.0,
                            seed);
                    try (LanguageModel policy = base.copy();
                            DelayedRewards rewards = new DelayedRewards(Duration.ofMillis(latency));
                            GrpoLoop loop = new GrpoLoop("bench", policy, base, rewards, train, settings, DIRECT)) {
                        for (int i = 0; i < WARMUP_STEPS; i++) {
                            loop.step();
                        }
                        double seconds = 0;
                        double rolloutSeconds = 0;
                        long tokens = 0;
                        double staleness = 0;
                        double truncated = 0;
                        int applied = 0;
                        for (int i = 0; i < steps; i++) {
                            GrpoStepReport r = loop.step();
                            seconds += r.took().toNanos() / 1e9;
                            rolloutSeconds += r.rolloutTime().toNanos() / 1e9;
                            tokens += r.rolloutTokens();
                            if (r.applied()) {
                                applied++;
                                staleness += r.meanStaleness();
                                truncated += r.truncatedFraction();
                            }
                        }
                        System.out.printf(
                                Locale.ROOT,
                                "RESULT part=steps reward_latency_ms=%d rewards=%s s_per_step=%.3f"
                                        + " rollout_tokens_per_step=%.0f rollout_tokens_per_s=%.0f applied=%d/%d"
                                        + " mean_staleness=%.2f truncated_fraction=%.4f%n",
                                latency,
                                overlap ? "overlapped" : "sequential",
                                seconds / steps,
                                (double) tokens / steps,
                                tokens / rolloutSeconds,
                                applied,
                                steps,
                                applied == 0 ? Double.NaN : staleness / applied,
                                applied == 0 ? Double.NaN : truncated / applied);
                    }
                }
            }
        }
    }

    /**
     * The in-process trigram reward ({@link ScoringRewards}), each answer available a fixed latency after its request,
     * as if the reward service took that long to answer: await sleeps until the answers it waits for are due.
     */
    private static final class DelayedRewards implements RewardSource {
        private record Answer(double reward, long dueNanos) {}

        private final long latencyNanos;
        // concurrent: the loop's sampling thread sends requests while the loop awaits answers
        private final Map<String, Answer> answers = new ConcurrentHashMap<>();

        DelayedRewards(Duration latency) {
            this.latencyNanos = latency.toNanos();
        }

        @Override
        public void request(List<RewardRequest> requests) {
            long due = System.nanoTime() + latencyNanos;
            for (RewardRequest r : requests) {
                answers.put(
                        r.requestId(), new Answer(ScoringRewards.trigramCosine(r.completion(), r.reference()), due));
            }
        }

        @Override
        public Map<String, Double> await(Collection<String> requestIds, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            long due = requestIds.stream()
                    .map(answers::get)
                    .filter(a -> a != null)
                    .mapToLong(Answer::dueNanos)
                    .max()
                    .orElse(0);
            long wait = Math.min(due, deadline) - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            long now = System.nanoTime();
            Map<String, Double> out = new HashMap<>();
            for (String id : new ArrayList<>(requestIds)) {
                Answer a = answers.get(id);
                if (a != null && a.dueNanos() <= now) {
                    out.put(id, a.reward());
                    answers.remove(id);
                }
            }
            return out;
        }

        @Override
        public void abandon(Collection<String> requestIds) {
            requestIds.forEach(answers::remove);
        }
    }
}

package dev.cpt.trainer.bench;

import dev.cpt.contracts.Forgetting;
import dev.cpt.contracts.GrpoSpec;
import dev.cpt.contracts.Json;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.PolicyObjective;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.trainer.grpo.DemoTasks;
import dev.cpt.trainer.grpo.GrpoLoop;
import dev.cpt.trainer.grpo.GrpoSettings;
import dev.cpt.trainer.grpo.HeldOutSplit;
import dev.cpt.trainer.grpo.TaskExample;
import dev.cpt.trainer.grpo.TaskLines;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;

/**
 * GRPO against SFT on the user's task, from one pre-trained base, over several seeds: what each does to the held-out
 * task reward and to the held-out LM loss of each CPT domain, at several step counts along one run per seed.
 *
 * <p>The base is pre-trained once, on windows of every domain's training part mixed with the task's training
 * documents ("Q: ... A: reference"), so "forgetting" is the loss rise on each domain's held-out part. Each seed then
 * starts from a fresh copy of that base:
 * <ul>
 *   <li>GRPO: the trainer's {@link GrpoLoop}, G completions per prompt, rewards from {@link ScoringRewards} (in
 *       process, or a running reward service's {@code POST /score}), the seed fixing sampling and prompt order;</li>
 *   <li>SFT: AdamW steps on the same prompts in the same order (the loop's seeded shuffle), with their references.</li>
 * </ul>
 * At each step count of {@code --at}: the mean reward of greedy answers to the held-out prompts, and the loss on every
 * domain's held-out windows; the loss change per domain is eval-service's forgetting against the base, computed by the
 * same {@link Forgetting} eval's reports use. Printed: per method and step count the mean and 95% t-interval over seeds
 * of the reward gain and of each domain's loss change, then the loss change at the reward gain both methods reach (see
 * {@link SeedStats#atGain}), paired by seed.
 *
 * <p>Options: {@code --tasks FILE.jsonl} (lines {@code {"id","prompt","reference"}}, split by {@link HeldOutSplit};
 * default the built-in {@code --task arithmetic}), {@code --domain NAME=FILE} (repeatable; plain text, or JSONL
 * documents with a {@code text} field, gzipped or not; default the shipped corpora under {@code corpus/}),
 * {@code --seeds 5}, {@code --at 50,100,200}, {@code --pretrain 3000}, {@code --group 8}, {@code --lr 1e-4},
 * {@code --score URL}.
 */
public final class GrpoVsSftBenchmark {
    private static final ByteTokenizer BYTES = ByteTokenizer.INSTANCE;
    private static final GrpoLoop.Exclusive DIRECT = new GrpoLoop.Exclusive() {
        @Override
        public <T> T run(Supplier<T> work) {
            return work.get();
        }
    };
    /** Held-out text per domain: its first bytes, at most this many and at most a fifth of the domain. */
    private static final int HELD_OUT_BYTES = 8192;
    /** Prompts sampled per step, by GRPO and SFT alike. */
    private static final int PROMPTS_PER_STEP = 4;
    /** The seed of everything the seeds share: the demo task's examples and the base's pre-training. */
    private static final long DATA_SEED = 7;

    /** A CPT domain: the tokens pre-training samples from and the held-out windows it is measured on. */
    record Domain(String name, int[] train, int[][] heldOut) {}

    /** One measurement: held-out reward and held-out loss per domain. */
    record Measure(double reward, Map<String, Double> losses) {}

    record Options(
            Path tasks,
            String task,
            Map<String, Path> domains,
            int seeds,
            int[] at,
            int pretrainSteps,
            int groupSize,
            double learningRate,
            URI scoreUrl) {
        static Options parse(String[] args, Path root) {
            Map<String, String> one = new LinkedHashMap<>();
            Map<String, Path> domains = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length || !args[i].startsWith("--")) {
                    throw new IllegalArgumentException("expected --option value, got '" + args[i] + "'");
                }
                if (args[i].equals("--domain")) {
                    String[] kv = args[i + 1].split("=", 2);
                    domains.put(kv[0], Path.of(kv[1]));
                } else {
                    one.put(args[i].substring(2), args[i + 1]);
                }
            }
            if (domains.isEmpty()) {
                for (String d : List.of("general", "python", "postgresql")) {
                    domains.put(d, root.resolve("corpus/" + d + "/documents.jsonl.gz"));
                }
            }
            int[] at = Arrays.stream(one.getOrDefault("at", "50,100,200").split(","))
                    .mapToInt(s -> Integer.parseInt(s.strip()))
                    .sorted()
                    .distinct()
                    .toArray();
            if (at.length == 0 || at[0] < 1) {
                throw new IllegalArgumentException("--at needs step counts >= 1, was " + one.get("at"));
            }
            String score = one.get("score");
            return new Options(
                    one.containsKey("tasks") ? Path.of(one.get("tasks")) : null,
                    one.getOrDefault("task", "arithmetic"),
                    domains,
                    Integer.parseInt(one.getOrDefault("seeds", "5")),
                    at,
                    Integer.parseInt(one.getOrDefault("pretrain", "3000")),
                    Integer.parseInt(one.getOrDefault("group", "8")),
                    Double.parseDouble(one.getOrDefault("lr", "1e-4")),
                    score == null ? null : URI.create(score));
        }
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(root.resolve("corpus")) && root.getParent() != null) {
            root = root.getParent();
        }
        Options o = Options.parse(args, root);
        GptConfig config = GptConfig.tiny();
        HeldOutSplit.Split tasks = tasks(o);
        List<Domain> domains = new ArrayList<>();
        for (var d : o.domains().entrySet()) {
            domains.add(domain(d.getKey(), d.getValue(), config.contextLength()));
        }
        ScoringRewards rewards = new ScoringRewards(o.scoreUrl());
        System.out.printf(
                Locale.ROOT,
                "GRPO vs SFT: model tiny (%d layers, width %d, context %d), %s: %d train / %d held-out prompts,"
                        + " pre-train %d steps, %d seeds, measured at steps %s (G=%d, %d prompts/step, lr %.0e)%n",
                config.layers(),
                config.embedDim(),
                config.contextLength(),
                o.tasks() != null ? o.tasks() : "built-in task " + o.task(),
                tasks.train().size(),
                tasks.heldOut().size(),
                o.pretrainSteps(),
                o.seeds(),
                Arrays.toString(o.at()),
                o.groupSize(),
                PROMPTS_PER_STEP,
                o.learningRate());
        System.out.println("reward: " + rewards.describe());
        for (Domain d : domains) {
            System.out.printf(
                    Locale.ROOT,
                    "domain %s: %d bytes pre-trained on, %d held-out windows%n",
                    d.name(),
                    d.train().length,
                    d.heldOut().length);
        }

        try (LanguageModel base = LanguageModel.create(config, DATA_SEED)) {
            long t0 = System.nanoTime();
            double preLoss = pretrain(base, domains, tasks.train(), o.pretrainSteps(), new Random(DATA_SEED));
            System.out.printf(
                    Locale.ROOT,
                    "base: pre-trained %d steps in %.1f s, last loss %.3f%n",
                    o.pretrainSteps(),
                    (System.nanoTime() - t0) / 1e9,
                    preLoss);
            Setup setup = new Setup(base, rewards, tasks, domains, o);
            Measure before = setup.measure(base, "base");
            System.out.printf(Locale.ROOT, "base: held-out reward %.4f, losses %s%n", before.reward(), before.losses());

            // runs[method][seed][k]: the measure after at[k] steps
            Measure[][][] runs = new Measure[2][o.seeds()][];
            for (int s = 0; s < o.seeds(); s++) {
                long seed = s + 1;
                long t1 = System.nanoTime();
                runs[0][s] = grpo(setup, seed);
                long t2 = System.nanoTime();
                runs[1][s] = sft(setup, seed);
                System.out.printf(
                        Locale.ROOT,
                        "seed %d: GRPO %.1f s, SFT %.1f s; reward gain at %s: GRPO %s, SFT %s%n",
                        seed,
                        (t2 - t1) / 1e9,
                        (System.nanoTime() - t2) / 1e9,
                        Arrays.toString(o.at()),
                        Arrays.toString(round(gains(runs[0][s], before))),
                        Arrays.toString(round(gains(runs[1][s], before))));
            }
            new GrpoVsSftReport(before, domains.stream().map(Domain::name).toList(), o.at(), runs).print();
        }
    }

    /** The user's examples split by {@link HeldOutSplit} (20% held out), or the built-in task's seeded split. */
    static HeldOutSplit.Split tasks(Options o) throws IOException {
        if (o.tasks() == null) {
            DemoTasks.Split demo = DemoTasks.split(o.task(), 200, 40, DATA_SEED);
            return new HeldOutSplit.Split(demo.train(), demo.heldOut());
        }
        TaskLines lines = TaskLines.ofFile(o.tasks());
        if (!lines.rejected().isEmpty()) {
            System.out.printf(
                    "%s: %d lines refused, first: %s%n",
                    o.tasks(), lines.rejected().size(), lines.rejected().get(0).reason());
        }
        HeldOutSplit.Split split =
                new HeldOutSplit(20).split(lines.examples(), Integer.MAX_VALUE, 200, GrpoSpec.DEFAULT_PROMPT_TEMPLATE);
        if (split.train().isEmpty() || split.heldOut().isEmpty()) {
            throw new IllegalArgumentException(
                    o.tasks() + " gives " + split.train().size() + " training and "
                            + split.heldOut().size() + " held-out examples; both sides need at least one");
        }
        return split;
    }

    /** A domain's text: its first bytes held out (in whole context windows), the rest pre-trained on. */
    static Domain domain(String name, Path file, int contextLength) throws IOException {
        int[] tokens = BYTES.encode(text(file));
        int len = contextLength + 1;
        int windows = Math.min(HELD_OUT_BYTES, tokens.length / 5) / len;
        if (windows < 1 || tokens.length - windows * len <= len) {
            throw new IllegalArgumentException(file + " is too short to hold out and train on");
        }
        int[][] heldOut = new int[windows][];
        for (int w = 0; w < windows; w++) {
            heldOut[w] = Arrays.copyOfRange(tokens, w * len, (w + 1) * len);
        }
        return new Domain(name, Arrays.copyOfRange(tokens, windows * len, tokens.length), heldOut);
    }

    /** Plain text as it is; JSONL (optionally gzipped) as its documents' {@code text} joined by blank lines. */
    private static String text(Path file) throws IOException {
        String name = file.getFileName().toString();
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = name.endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            if (!name.endsWith(".jsonl") && !name.endsWith(".jsonl.gz")) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            StringBuilder out = new StringBuilder();
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (!line.isBlank()) {
                    out.append(Json.MAPPER.readTree(line).path("text").asText()).append("\n\n");
                }
            }
            return out.toString();
        }
    }

    /** The measures of one seed's GRPO run at each step count of {@code --at}. */
    private static Measure[] grpo(Setup setup, long seed) throws InterruptedException {
        Options o = setup.options();
        HeldOutSplit.Split tasks = setup.tasks();
        GrpoSettings settings = new GrpoSettings(
                o.groupSize(),
                PROMPTS_PER_STEP,
                1,
                new PolicyObjective(0.2, 0.04),
                OptimizerSettings.defaults().withLearningRate(o.learningRate()),
                1.0,
                32,
                Duration.ofSeconds(60),
                0,
                false,
                2.0,
                seed);
        int[] at = o.at();
        Measure[] out = new Measure[at.length];
        try (LanguageModel policy = setup.base().copy();
                GrpoLoop loop = new GrpoLoop(
                        "bench-" + seed, policy, setup.base(), setup.rewards(), tasks.train(), settings, DIRECT)) {
            for (int step = 1, k = 0; k < at.length; step++) {
                loop.step();
                if (step == at[k]) {
                    out[k++] = setup.measure(policy, "grpo-" + seed + "-" + step);
                }
            }
        }
        return out;
    }

    /** The measures of one seed's SFT run at each step count of {@code --at}. */
    private static Measure[] sft(Setup setup, long seed) throws InterruptedException {
        Options o = setup.options();
        HeldOutSplit.Split tasks = setup.tasks();
        // the prompts GRPO saw, in the same order: the loop shuffles the train split with its seed first
        List<TaskExample> order = new ArrayList<>(tasks.train());
        Collections.shuffle(order, new Random(seed));
        int[] at = o.at();
        Measure[] out = new Measure[at.length];
        try (LanguageModel tuned = setup.base().copy()) {
            int next = 0;
            for (int step = 1, k = 0; k < at.length; step++) {
                int[][] rows = new int[PROMPTS_PER_STEP][];
                for (int p = 0; p < rows.length; p++) {
                    rows[p] = BYTES.encode(order.get(next++ % order.size()).document());
                }
                tuned.trainStep(rows, OptimizerSettings.defaults().withLearningRate(o.learningRate()));
                if (step == at[k]) {
                    out[k++] = setup.measure(tuned, "sft-" + seed + "-" + step);
                }
            }
        }
        return out;
    }

    /** Next-token training on windows of the general text and on whole task documents, half each. */
    static double pretrain(LanguageModel model, String general, List<TaskExample> train, int steps, Random rng) {
        int ctx = model.decoderConfig().contextLength();
        Domain text = new Domain("general", BYTES.encode(general), new int[0][]);
        if (text.train().length <= ctx + 1) {
            throw new IllegalArgumentException("the general text is shorter than a context window");
        }
        return pretrain(model, List.of(text), train, steps, rng);
    }

    /** Next-token training on windows of the domains (each row a domain drawn at random) and on task documents. */
    static double pretrain(LanguageModel model, List<Domain> domains, List<TaskExample> train, int steps, Random rng) {
        int ctx = model.decoderConfig().contextLength();
        double loss = Double.NaN;
        for (int s = 0; s < steps; s++) {
            int[][] rows = new int[16][];
            for (int r = 0; r < rows.length; r++) {
                if (r % 2 == 0) {
                    int[] text = domains.get(rng.nextInt(domains.size())).train();
                    int start = rng.nextInt(text.length - ctx - 1);
                    rows[r] = Arrays.copyOfRange(text, start, start + ctx + 1);
                } else {
                    rows[r] = BYTES.encode(train.get(rng.nextInt(train.size())).document());
                }
            }
            double lr = s < 50 ? 3e-3 * (s + 1) / 50 : 3e-3;
            loss = model.trainStep(rows, OptimizerSettings.defaults().withLearningRate(lr))
                    .loss();
        }
        return loss;
    }

    /** What every run of the benchmark shares: the base, the reward, the task split, the domains, the options. */
    record Setup(
            LanguageModel base,
            ScoringRewards rewards,
            HeldOutSplit.Split tasks,
            List<Domain> domains,
            Options options) {

        /** Held-out reward of greedy answers and held-out loss per domain of {@code model}. */
        Measure measure(LanguageModel model, String label) throws InterruptedException {
            List<TaskExample> heldOut = tasks.heldOut();
            // greedy answers to the held-out prompts, scored by the same reward the GRPO run used
            GrpoSettings greedy = new GrpoSettings(
                    2,
                    1,
                    1,
                    new PolicyObjective(0.2, 0),
                    OptimizerSettings.defaults().withLearningRate(1e-9),
                    1.0,
                    32,
                    Duration.ofSeconds(60),
                    0,
                    false,
                    2.0,
                    1);
            double reward;
            try (GrpoLoop probe = new GrpoLoop(label, model, null, rewards, heldOut, greedy, DIRECT)) {
                reward = probe.heldOutReward(heldOut, label).mean();
            }
            Map<String, Double> losses = new LinkedHashMap<>();
            for (Domain d : domains) {
                losses.put(
                        d.name(),
                        Arrays.stream(model.sequenceLosses(d.heldOut()))
                                .average()
                                .orElseThrow());
            }
            return new Measure(reward, losses);
        }
    }

    static double[] gains(Measure[] run, Measure base) {
        return Arrays.stream(run).mapToDouble(m -> m.reward() - base.reward()).toArray();
    }

    private static double[] round(double[] xs) {
        return Arrays.stream(xs).map(x -> Math.round(x * 1e4) / 1e4).toArray();
    }

    private GrpoVsSftBenchmark() {}
}

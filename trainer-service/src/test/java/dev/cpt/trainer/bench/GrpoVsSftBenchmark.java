package dev.cpt.trainer.bench;

import dev.cpt.contracts.GrpoStepReport;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.PolicyObjective;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.trainer.grpo.DemoTasks;
import dev.cpt.trainer.grpo.GrpoLoop;
import dev.cpt.trainer.grpo.GrpoSettings;
import dev.cpt.trainer.grpo.TaskExample;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;

/**
 * GRPO against SFT from the same base, on the same task prompts and the same number of steps: what each does to the
 * task reward on held-out prompts and to the loss on general text (the research says RL forgets less than SFT).
 *
 * <p>The base is pre-trained here first, on general prose (the launcher's {@code corpus/general.txt}) mixed with
 * the task's training documents ("Q: ... A: reference"), so it has seen both. Then:
 * <ul>
 *   <li>GRPO: {@code steps} steps of the trainer's {@link GrpoLoop}, G completions per prompt, rewards from
 *       {@link ScoringRewards} (in process, or a running reward service's {@code POST /score});</li>
 *   <li>SFT: {@code steps} AdamW steps on the same prompts GRPO saw at each step, with their references.</li>
 * </ul>
 * Measured before and after each: the mean reward of greedy answers to held-out prompts; the LM loss on general
 * text never trained on (the model module's {@code prose.txt}) and on the general text of pre-training; the LM loss
 * on held-out task documents.
 *
 * <p>Arguments: {@code [pretrain steps] [steps] [task] [G] [score URL or "inprocess"] [seed] [learning rate]}; the
 * same learning rate for GRPO and SFT.
 */
public final class GrpoVsSftBenchmark {
    private static final ByteTokenizer BYTES = ByteTokenizer.INSTANCE;
    private static final GrpoLoop.Exclusive DIRECT = new GrpoLoop.Exclusive() {
        @Override
        public <T> T run(Supplier<T> work) {
            return work.get();
        }
    };

    record Measure(double reward, double generalHeldOutLoss, double generalSeenLoss, double taskLoss) {}

    public static void main(String[] args) throws Exception {
        int pretrainSteps = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        String task = args.length > 2 ? args[2] : "arithmetic";
        int groupSize = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        URI scoreUrl = args.length > 4 && !args[4].equals("inprocess") ? URI.create(args[4]) : null;
        long seed = args.length > 5 ? Long.parseLong(args[5]) : 7;
        double learningRate = args.length > 6 ? Double.parseDouble(args[6]) : 1e-4;
        int promptsPerStep = 4;

        Path root = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(root.resolve("cpt-launcher")) && root.getParent() != null) {
            root = root.getParent();
        }
        String general = Files.readString(root.resolve("cpt-launcher/src/main/resources/corpus/general.txt"));
        String unseen = Files.readString(root.resolve("cpt-model/src/test/resources/prose.txt"));
        DemoTasks.Split split = DemoTasks.split(task, 200, 40, seed);
        GptConfig config = GptConfig.tiny();
        int ctx = config.contextLength();
        ScoringRewards rewards = new ScoringRewards(scoreUrl);

        System.out.printf(
                Locale.ROOT,
                "GRPO vs SFT: model tiny (%d layers, width %d, context %d), task %s, %d train / %d"
                        + " held-out prompts, pre-train %d steps, then %d steps each (G=%d, %d prompts/step, lr %.0e)%n",
                config.layers(),
                config.embedDim(),
                ctx,
                task,
                split.train().size(),
                split.heldOut().size(),
                pretrainSteps,
                steps,
                groupSize,
                promptsPerStep,
                learningRate);
        System.out.println("reward: " + rewards.describe());

        try (LanguageModel base = LanguageModel.create(config, seed)) {
            long t0 = System.nanoTime();
            double preLoss = pretrain(base, general, split.train(), pretrainSteps, new Random(seed));
            System.out.printf(
                    Locale.ROOT,
                    "base: pre-trained %d steps in %.1f s, last loss %.3f%n",
                    pretrainSteps,
                    (System.nanoTime() - t0) / 1e9,
                    preLoss);
            Measure before = measure(base, rewards, split.heldOut(), general, unseen, "base");

            GrpoSettings settings = new GrpoSettings(
                    groupSize,
                    promptsPerStep,
                    1,
                    new PolicyObjective(0.2, 0.04),
                    OptimizerSettings.defaults().withLearningRate(learningRate),
                    1.0,
                    32,
                    Duration.ofSeconds(60),
                    0,
                    false,
                    2.0,
                    seed);
            Measure grpo;
            List<List<TaskExample>> promptsSeen = new ArrayList<>();
            try (LanguageModel policy = base.copy()) {
                GrpoLoop loop = new GrpoLoop("bench", policy, base, rewards, split.train(), settings, DIRECT);
                long t1 = System.nanoTime();
                double firstReward = Double.NaN;
                double lastReward = Double.NaN;
                for (int s = 1; s <= steps; s++) {
                    GrpoStepReport r = loop.step();
                    if (s == 1) {
                        firstReward = r.meanReward();
                    }
                    lastReward = r.meanReward();
                    if (s % Math.max(1, steps / 6) == 0 || s == steps) {
                        System.out.printf(
                                Locale.ROOT,
                                "  grpo step %3d: rollout reward %.3f, adv std %.2f, kl %.4f,"
                                        + " clip %.3f, zero-std groups %d%n",
                                s,
                                r.meanReward(),
                                r.advantageStd(),
                                r.kl(),
                                r.clipFraction(),
                                r.zeroStdGroups());
                    }
                }
                System.out.printf(
                        Locale.ROOT,
                        "GRPO: %d steps in %.1f s, rollout reward %.3f -> %.3f%n",
                        steps,
                        (System.nanoTime() - t1) / 1e9,
                        firstReward,
                        lastReward);
                grpo = measure(policy, rewards, split.heldOut(), general, unseen, "grpo");
            }
            // SFT sees the prompts GRPO saw, in the same order: the loop shuffles the train split with its seed
            List<TaskExample> order = new ArrayList<>(split.train());
            java.util.Collections.shuffle(order, new Random(seed));
            Measure sft;
            try (LanguageModel tuned = base.copy()) {
                long t2 = System.nanoTime();
                int next = 0;
                for (int s = 1; s <= steps; s++) {
                    int[][] rows = new int[promptsPerStep][];
                    for (int p = 0; p < promptsPerStep; p++) {
                        rows[p] = BYTES.encode(order.get(next++ % order.size()).document());
                    }
                    tuned.trainStep(rows, OptimizerSettings.defaults().withLearningRate(learningRate));
                }
                System.out.printf(Locale.ROOT, "SFT: %d steps in %.1f s%n", steps, (System.nanoTime() - t2) / 1e9);
                sft = measure(tuned, rewards, split.heldOut(), general, unseen, "sft");
            }

            System.out.println();
            System.out.println(
                    "                      held-out reward   general loss (unseen)   general loss (pre-train text)   task loss (held-out)");
            row("base", before, before);
            row("GRPO", grpo, before);
            row("SFT", sft, before);
            System.out.printf(
                    Locale.ROOT,
                    "%nreward change: GRPO %+.4f, SFT %+.4f%n",
                    grpo.reward() - before.reward(),
                    sft.reward() - before.reward());
            System.out.printf(
                    Locale.ROOT,
                    "general-loss change (unseen text): GRPO %+.4f, SFT %+.4f%n",
                    grpo.generalHeldOutLoss() - before.generalHeldOutLoss(),
                    sft.generalHeldOutLoss() - before.generalHeldOutLoss());
            System.out.printf(
                    Locale.ROOT,
                    "general-loss change (pre-train text): GRPO %+.4f, SFT %+.4f%n",
                    grpo.generalSeenLoss() - before.generalSeenLoss(),
                    sft.generalSeenLoss() - before.generalSeenLoss());
        }
    }

    private static void row(String name, Measure m, Measure base) {
        System.out.printf(
                Locale.ROOT,
                "%-8s %20.4f %16.4f (%+.4f) %22.4f (%+.4f) %18.4f (%+.4f)%n",
                name,
                m.reward(),
                m.generalHeldOutLoss(),
                m.generalHeldOutLoss() - base.generalHeldOutLoss(),
                m.generalSeenLoss(),
                m.generalSeenLoss() - base.generalSeenLoss(),
                m.taskLoss(),
                m.taskLoss() - base.taskLoss());
    }

    /** Next-token training on windows of the general text and on whole task documents, half each. */
    static double pretrain(LanguageModel model, String general, List<TaskExample> train, int steps, Random rng) {
        int[] text = BYTES.encode(general);
        int ctx = model.decoderConfig().contextLength();
        double loss = Double.NaN;
        for (int s = 0; s < steps; s++) {
            int[][] rows = new int[16][];
            for (int r = 0; r < rows.length; r++) {
                if (r % 2 == 0) {
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

    private static Measure measure(
            LanguageModel model,
            ScoringRewards rewards,
            List<TaskExample> heldOut,
            String general,
            String unseen,
            String label)
            throws InterruptedException {
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
        GrpoLoop probe = new GrpoLoop(label, model, null, rewards, heldOut, greedy, DIRECT);
        double reward = probe.heldOutReward(heldOut, label).mean();
        int[][] taskDocs = heldOut.stream().map(e -> BYTES.encode(e.document())).toArray(int[][]::new);
        return new Measure(
                reward, windowLoss(model, unseen), windowLoss(model, general), mean(model.sequenceLosses(taskDocs)));
    }

    /** Mean loss over consecutive full-context windows of {@code text}. */
    private static double windowLoss(LanguageModel model, String text) {
        int[] tokens = BYTES.encode(text);
        int len = model.decoderConfig().contextLength() + 1;
        List<int[]> windows = new ArrayList<>();
        for (int start = 0; start + len <= tokens.length; start += len) {
            windows.add(Arrays.copyOfRange(tokens, start, start + len));
        }
        return mean(model.sequenceLosses(windows.toArray(int[][]::new)));
    }

    private static double mean(double[] xs) {
        return Arrays.stream(xs).average().orElse(Double.NaN);
    }

    private GrpoVsSftBenchmark() {}
}

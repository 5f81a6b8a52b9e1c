package dev.cpt.mixing.cli;

import dev.cpt.contracts.Json;
import dev.cpt.mixing.MixingPolicy;
import dev.cpt.mixing.agent.AgentArtifact;
import dev.cpt.mixing.agent.AgentManifest;
import dev.cpt.mixing.agent.Features;
import dev.cpt.mixing.proxy.AroundAgentPolicy;
import dev.cpt.mixing.proxy.ProxyConfig;
import dev.cpt.mixing.proxy.ProxyRun;
import dev.cpt.mixing.proxy.RandomWalkPolicy;
import dev.cpt.mixing.text.TextBase;
import dev.cpt.mixing.text.TextCorpora;
import dev.cpt.mixing.text.TextRun;
import dev.cpt.mixing.text.TextRunSettings;
import dev.cpt.mixing.training.AgentTrainer;
import dev.cpt.mixing.training.Reward;
import dev.cpt.mixing.training.Samples;
import dev.cpt.mixing.training.TrainingSettings;
import dev.cpt.mixing.training.Trajectory;
import dev.cpt.mixing.training.TrajectoryFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The agent's commands: {@code collect} runs proxy scenarios with random mixing walks and writes trajectories as
 * JSON lines, {@code train} trains the agent from them and writes a versioned artifact, {@code bench} prints the
 * policy table. Options are {@code --name value}; every one has a default that runs.
 */
public final class AgentCli {
    /** The domain pairs the shipped agent was trained on; the benchmark's unseen pair uses none of these domains. */
    public static final String TRAIN_PAIRS = "arithmetic:units,units:dates,dates:chemistry,chemistry:arithmetic";

    private AgentCli() {}

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            usage();
            return;
        }
        Map<String, String> opts = options(Arrays.copyOfRange(args, 1, args.length));
        switch (args[0]) {
            case "collect" -> collect(opts);
            case "train" -> train(opts);
            case "bench" -> PolicyBench.main(opts);
            case "text-bench" -> TextBench.main(opts);
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("""
                usage: agent collect [--out DIR] [--pairs a:b,c:d] [--trajectories N] [--seed S]
                                     [--walk-spread 0] [--walk-noise 1.2] [--walk-trend 0] [--group 4]
                                     [--around AGENT_DIR --noise 0.7 --phase-noise 0 --antithetic false]
                                                                        (explore around a trained agent)
                                     [--runs proxy|text] with text: [--general DIR] [--sequences A,B;C,D]
                                     [--model llamaTiny] [--rounds 12] [--pretrain-steps 300] ...
                                                                        (real text, the text bench's options)
                       agent train   [--data DIR|FILE[,DIR|FILE...]] [--out DIR] [--version NAME] [--epochs N]
                                     [--lambda-upstream 2.5] [--lambda-earlier 1] [--beta 0.25] [--gamma 0]
                                     [--weight-decay 0.001] [--state-baseline false]
                                     [--reward absolute|relative] [--carry-over true]
                                     [--min-target-share 0]  (the least share of a round the target gets)
                       agent bench   [--pairs arithmetic:units,code:weather] [--seeds 8] [--first-seed 1] [--agent DIR]
                                     [--static 0.25,0.5,0.6,0.7,0.75,0.8,0.85]
                       agent text-bench  (the mixing benchmark on real text; see TextBench.Options.USAGE)""");
        System.exit(2);
    }

    /**
     * What a collection ran: proxy or text runs, their settings, the domain sequences and every option given, written
     * beside its trajectories as {@code <file>.collection.json}.
     */
    record Collection(String runs, String settings, List<List<String>> sequences, Map<String, String> options) {}

    /** One exploring run of a collection: scenario, run seed, trajectory id and the run's policy factory. */
    private interface CollectionRun {
        Trajectory run(List<String> scenario, long seed, String id, Function<Long, MixingPolicy> policy);
    }

    static void collect(Map<String, String> o) throws IOException {
        Path out = Path.of(o.getOrDefault("out", "target/trajectories"));
        int count = Integer.parseInt(o.getOrDefault("trajectories", "200"));
        long seed = Long.parseLong(o.getOrDefault("seed", "1000"));
        // defaults: the shipped agent's exploration, every round's logits drawn afresh (nothing for the agent to copy)
        double spread = Double.parseDouble(o.getOrDefault("walk-spread", "0"));
        double noise = Double.parseDouble(o.getOrDefault("walk-noise", "1.2"));
        double trend = Double.parseDouble(o.getOrDefault("walk-trend", "0"));
        // --around ARTIFACT explores around a trained agent instead of random walks (an on-policy improvement round)
        AgentArtifact around = o.containsKey("around") ? AgentArtifact.load(o.get("around")) : null;
        double aroundNoise = Double.parseDouble(o.getOrDefault("noise", "0.7"));
        double phaseNoise = Double.parseDouble(o.getOrDefault("phase-noise", "0"));
        // --antithetic true: runs come in twins on the same seed, the second exploring the opposite direction
        boolean antithetic = Boolean.parseBoolean(o.getOrDefault("antithetic", "false"));
        // --group K: K random walks on each seed (same pre-trained model and data), each other's baseline
        int group = Integer.parseInt(o.getOrDefault("group", around == null && !antithetic ? "4" : "1"));
        if (group < 1 || antithetic && group > 1) {
            throw new IllegalArgumentException("--group must be >= 1 and cannot be combined with --antithetic");
        }
        String runs = o.getOrDefault("runs", "proxy");
        String runSettings;
        List<List<String>> scenarios;
        CollectionRun collection;
        int rounds;
        double horizon;
        Map<Long, TextBase> bases = new HashMap<>();
        if (runs.equals("text")) {
            TextBench.Options text = TextBench.Options.parse(TextBench.Options.domainsAndSizes(o));
            TextBench.Loaded loaded = text.load();
            TextCorpora corpora = loaded.corpora();
            TextRunSettings settings = text.settings();
            scenarios = loaded.sequences();
            runSettings = settings.toString();
            rounds = settings.rounds();
            horizon = 0; // text runs measure progress against the stream's estimate, as the services do
            // eight pre-trained bases cover the collection; each run's data order and walk still differ
            collection = (scenario, s, id, policy) -> new TextRun(
                            corpora,
                            settings,
                            scenario,
                            bases.computeIfAbsent(100 + s % 8, b -> TextBase.pretrain(corpora, settings, b)),
                            s)
                    .run(id, policy)
                    .trajectory();
        } else if (runs.equals("proxy")) {
            ProxyConfig config = ProxyConfig.standard();
            scenarios = new ArrayList<>();
            for (List<String> pair : pairs(o.getOrDefault("pairs", TRAIN_PAIRS))) {
                scenarios.add(List.of("general", pair.get(0), pair.get(1)));
            }
            runSettings = config.toString();
            rounds = config.rounds();
            horizon = config.phaseTokens();
            // eight pre-trained models cover the collection; each run's data and walk still differ
            collection = (scenario, s, id, policy) -> new ProxyRun(config, scenario, 100 + s % 8, s).run(id, policy);
        } else {
            throw new IllegalArgumentException("--runs is proxy or text, got '" + runs + "'");
        }
        Files.createDirectories(out);
        Path file =
                out.resolve((around == null ? "" : "around-") + "trajectories-seed" + seed + "-n" + count + ".jsonl");
        // what produced the trajectories, for the manifest of an agent trained on them
        Files.writeString(
                out.resolve(file.getFileName() + ".collection.json"),
                Json.write(new Collection(runs, runSettings, scenarios, new TreeMap<>(o))));
        long t0 = System.nanoTime();
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            for (int i = 0; i < count; i++) {
                int run = antithetic ? i / 2 : i / group;
                boolean twin = antithetic && i % 2 == 1;
                int member = i % group;
                long s = seed + run;
                Trajectory t = collection.run(
                        scenarios.get(run % scenarios.size()),
                        s,
                        (around == null ? "walk-" : "around-")
                                + s
                                + (twin ? "-twin" : "")
                                + (group > 1 ? "-" + member : ""),
                        runSeed -> {
                            // a group's walks share the run's seed (model, data) but not their exploration noise
                            long walkSeed = group > 1 ? runSeed * 7919 + member : runSeed;
                            return around == null
                                    ? new RandomWalkPolicy(walkSeed, spread, noise, trend, rounds)
                                    : new AroundAgentPolicy(around, walkSeed, aroundNoise, phaseNoise, twin, horizon);
                        });
                TrajectoryFiles.append(w, t);
                if ((i + 1) % 10 == 0) {
                    System.out.printf(
                            "collected %d/%d trajectories (%.0f s)%n", i + 1, count, (System.nanoTime() - t0) / 1e9);
                }
            }
        } finally {
            bases.values().forEach(TextBase::close);
        }
        System.out.printf("wrote %d trajectories to %s in %.1f s%n", count, file, (System.nanoTime() - t0) / 1e9);
    }

    static void train(Map<String, String> o) throws IOException {
        String data = o.getOrDefault("data", "target/trajectories");
        Path out = Path.of(o.getOrDefault("out", "target/agent"));
        String version = o.getOrDefault("version", "mixing-agent-dev");
        TrainingSettings defaults = TrainingSettings.defaults();
        Reward reward = new Reward(
                Double.parseDouble(o.getOrDefault(
                        "lambda-upstream", Double.toString(defaults.reward().upstreamWeight()))),
                Double.parseDouble(o.getOrDefault(
                        "lambda-earlier", Double.toString(defaults.reward().earlierWeight()))),
                !"absolute".equals(o.getOrDefault("reward", defaults.reward().relative() ? "relative" : "absolute")));
        TrainingSettings settings = defaults.with(s -> {
            s.epochs = Integer.parseInt(o.getOrDefault("epochs", Integer.toString(defaults.epochs())));
            s.reward = reward;
            s.beta = Double.parseDouble(o.getOrDefault("beta", Double.toString(defaults.beta())));
            s.stateBaseline = Boolean.parseBoolean(o.getOrDefault("state-baseline", "false"));
            s.weightDecay = Double.parseDouble(o.getOrDefault("weight-decay", Double.toString(defaults.weightDecay())));
            s.gamma = Double.parseDouble(o.getOrDefault("gamma", Double.toString(defaults.gamma())));
            s.carryOver = Boolean.parseBoolean(o.getOrDefault("carry-over", Boolean.toString(defaults.carryOver())));
        });
        long t0 = System.nanoTime();
        List<Path> files = new ArrayList<>();
        for (String part : data.split(",")) {
            files.addAll(TrajectoryFiles.files(Path.of(part.strip())));
        }
        List<Trajectory> trajectories = TrajectoryFiles.read(files);
        if (trajectories.isEmpty()) {
            throw new IllegalArgumentException("no trajectories in " + data);
        }
        AgentTrainer trainer = new AgentTrainer(settings);
        Samples samples = trainer.samples(trajectories);
        AgentTrainer.Result result = trainer.train(trainer.initial(samples), samples);
        Map<String, String> training = new LinkedHashMap<>();
        training.put(
                "algorithm",
                "REINFORCE, advantage-weighted (exp(A/beta)); baseline: "
                        + (settings.stateBaseline()
                                ? "fitted state value"
                                : "mean return of the runs on the same seed, or"
                                        + " at the same phase and round for a run without one")
                        + "; Gaussian over slot logits with fixed sigma, full-batch Adam");
        training.put("reward", reward.relative() ? "relative" : "absolute");
        training.put("beta", Double.toString(settings.beta()));
        training.put("gamma", Double.toString(settings.gamma()));
        training.put(
                "carryOver",
                settings.carryOver()
                        ? "target " + samples.carryOver().target() + ", upstream "
                                + samples.carryOver().upstream()
                        : "none");
        training.put("epochs", Integer.toString(settings.epochs()));
        training.put("learningRate", Double.toString(settings.learningRate()));
        training.put("weightDecay", Double.toString(settings.weightDecay()));
        training.put("sigma", Double.toString(settings.sigma()));
        training.put("seed", Long.toString(settings.seed()));
        training.put("stateBaseline", Boolean.toString(settings.stateBaseline()));
        training.put("objectiveBefore", Double.toString(result.lossBefore()));
        training.put("objectiveAfter", Double.toString(result.lossAfter()));
        for (Path f : files) {
            Path collection = f.resolveSibling(f.getFileName() + ".collection.json");
            training.put(
                    "collection " + f.getFileName(),
                    Files.isRegularFile(collection)
                            ? Files.readString(collection).strip()
                            : "proxy runs, " + ProxyConfig.standard());
        }
        Map<String, Double> rewardMap = new LinkedHashMap<>();
        rewardMap.put("upstreamWeight", reward.upstreamWeight());
        rewardMap.put("earlierWeight", reward.earlierWeight());
        rewardMap.put("relative", reward.relative() ? 1.0 : 0.0);
        AgentManifest manifest = new AgentManifest(
                version,
                Features.LAYOUT_VERSION,
                Features.NAMES,
                Features.SLOT_NAMES,
                settings.hidden(),
                trajectories.get(0).horizonTokens(),
                Double.parseDouble(o.getOrDefault("min-target-share", "0")),
                rewardMap,
                training,
                new AgentManifest.TrainingData(
                        files.stream().map(p -> p.getFileName().toString()).toList(),
                        TrajectoryFiles.sha256(files),
                        trajectories.size(),
                        samples.size()),
                Instant.now().toString(),
                null);
        new AgentArtifact(manifest, result.net()).write(out);
        System.out.printf(
                "trained %s on %d trajectories (%d rounds): objective %.4f -> %.4f in %.1f s; wrote %s%n",
                version,
                trajectories.size(),
                samples.size(),
                result.lossBefore(),
                result.lossAfter(),
                (System.nanoTime() - t0) / 1e9,
                out);
    }

    static List<List<String>> pairs(String text) {
        List<List<String>> out = new ArrayList<>();
        for (String p : text.split(",")) {
            String[] ab = p.strip().split(":");
            if (ab.length != 2) {
                throw new IllegalArgumentException("a pair looks like first:second, got '" + p + "'");
            }
            out.add(List.of(ab[0], ab[1]));
        }
        return out;
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("options are --name value pairs, got '" + args[i] + "'");
            }
            o.put(args[i].substring(2), args[++i]);
        }
        return o;
    }
}

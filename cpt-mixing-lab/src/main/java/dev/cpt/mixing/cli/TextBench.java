package dev.cpt.mixing.cli;

import ai.djl.Device;
import dev.cpt.contracts.Json;
import dev.cpt.mixing.Policies;
import dev.cpt.mixing.agent.AgentArtifact;
import dev.cpt.mixing.agent.AgentBenchmark;
import dev.cpt.mixing.text.TextBase;
import dev.cpt.mixing.text.TextCorpora;
import dev.cpt.mixing.text.TextDomain;
import dev.cpt.mixing.text.TextRun;
import dev.cpt.mixing.text.TextRunSettings;
import dev.cpt.mixing.text.TextRunSettings.Budget;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.ModelPreset;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The mixing benchmark on the user's own text: a general domain, then domain sequences arriving in order; every policy
 * runs every sequence on the same seeds ({@link TextRun}: the mixer's, the trainer's and eval's own code in one
 * process), under the equal-budget reading (same tokens trained per phase) and the equal-fresh one (same fresh data
 * per phase, each phase until it is used up). Per sequence and reading it prints, per policy, each domain's final
 * held-out loss, the target loss, the forgetting of the earlier domains and the mean over all domains with 95 %
 * intervals over seeds ({@link BenchTable}), and the static replay frontier at the agent's forgetting ({@link
 * FrontierFit}).
 */
public final class TextBench {
    /** Seed resamples for the interval of the agent against the static frontier. */
    private static final int BOOTSTRAP_RESAMPLES = 2000;

    private TextBench() {}

    /** The benchmark's options, each with a default that runs on the shipped corpora from the repository root. */
    public record Options(
            String general,
            List<List<String>> sequences,
            int seeds,
            int firstSeed,
            List<Double> staticRatios,
            List<String> policies,
            String agent,
            List<Budget> budgets,
            TextRunSettings settings,
            Path out,
            Path summary) {

        public static final String USAGE = """
                bench [--general corpus/general] [--sequences corpus/python,corpus/postgresql[;A,B...]]
                      [--seeds 3] [--first-seed 1] [--static 0.1,0.25,0.4,0.55,0.7,0.85]
                      [--policies static,uniform,temperature,odm,cmr,agent] [--agent DIR]
                      [--budget both|equal-budget|equal-fresh] [--model llamaTiny] [--rounds 12]
                      [--pretrain-steps 1000] [--batch-size 8] [--batches-per-round 4] [--learning-rate 1e-3]
                      [--heldout-documents 8] [--out FILE.jsonl] [--summary FILE.json]
                  A domain is a directory (.txt, .md, .jsonl, .jsonl.gz files) or one such file, as PATH or NAME=PATH.""";

        /** The options that name the domains and size the runs, which a trajectory collection shares. */
        private static final List<String> DOMAINS_AND_SIZES = List.of(
                "general",
                "sequences",
                "model",
                "rounds",
                "pretrain-steps",
                "batch-size",
                "batches-per-round",
                "learning-rate",
                "heldout-documents");

        /** Of {@code o}, the options that name the domains and size the runs. */
        public static Map<String, String> domainsAndSizes(Map<String, String> o) {
            Map<String, String> kept = new LinkedHashMap<>();
            DOMAINS_AND_SIZES.stream().filter(o::containsKey).forEach(k -> kept.put(k, o.get(k)));
            return kept;
        }

        /** Parses {@code --name value} options; throws {@link IllegalArgumentException} naming what is wrong. */
        public static Options parse(Map<String, String> o) {
            Map<String, String> left = new LinkedHashMap<>(o);
            TextRunSettings d = TextRunSettings.defaults();
            String general = left.remove("general");
            String seqs = left.remove("sequences");
            List<List<String>> sequences = new ArrayList<>();
            for (String s : (seqs == null ? "corpus/python,corpus/postgresql" : seqs).split(";")) {
                List<String> seq = List.of(s.strip().split(","));
                if (seq.stream().anyMatch(String::isBlank)) {
                    throw new IllegalArgumentException("--sequences: a sequence is PATH,PATH[,...], got '" + s + "'");
                }
                sequences.add(seq);
            }
            List<Double> ratios = new ArrayList<>();
            for (String r : text(left, "static", "0.1,0.25,0.4,0.55,0.7,0.85").split(",")) {
                double ratio = number(r, "static");
                if (!(ratio >= 0 && ratio <= 1)) {
                    throw new IllegalArgumentException("--static: a replay ratio is in [0, 1], got " + r);
                }
                ratios.add(ratio);
            }
            List<String> policies = List.of(
                    text(left, "policies", String.join(",", Policies.NAMES)).split(","));
            for (String p : policies) {
                if (!Policies.NAMES.contains(p)) {
                    throw new IllegalArgumentException(
                            "--policies: unknown policy '" + p + "', known: " + String.join(", ", Policies.NAMES));
                }
            }
            String budget = text(left, "budget", "both");
            List<Budget> budgets = switch (budget) {
                case "both" -> List.of(Budget.EQUAL_TOKENS, Budget.EQUAL_FRESH);
                case "equal-budget" -> List.of(Budget.EQUAL_TOKENS);
                case "equal-fresh" -> List.of(Budget.EQUAL_FRESH);
                default ->
                    throw new IllegalArgumentException(
                            "--budget is both, equal-budget or equal-fresh, got '" + budget + "'");
            };
            String model = text(left, "model", d.model().name());
            ModelPreset preset;
            try {
                preset = ModelPreset.valueOf(model);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "--model: unknown preset '" + model + "', known: " + List.of(ModelPreset.values()), e);
            }
            TextRunSettings settings = new TextRunSettings(
                    preset,
                    number(text(left, "learning-rate", Double.toString(d.learningRate())), "learning-rate"),
                    count(left, "batch-size", d.batchSize()),
                    count(left, "batches-per-round", d.batchesPerRound()),
                    count(left, "rounds", d.rounds()),
                    count(left, "pretrain-steps", d.pretrainSteps()),
                    count(left, "heldout-documents", d.heldoutDocuments()),
                    Budget.EQUAL_TOKENS);
            int seeds = count(left, "seeds", 3);
            int firstSeed = count(left, "first-seed", 1);
            String agent = text(left, "agent", AgentArtifact.BUNDLED);
            String out = left.remove("out");
            String summary = left.remove("summary");
            if (!left.isEmpty()) {
                throw new IllegalArgumentException(
                        "unknown option --" + left.keySet().iterator().next());
            }
            return new Options(
                    general == null ? "corpus/general" : general,
                    sequences,
                    seeds,
                    firstSeed,
                    ratios,
                    policies,
                    agent,
                    budgets,
                    settings,
                    out == null ? null : Path.of(out),
                    summary == null ? null : Path.of(summary));
        }

        /** Reads every domain, trains the tokenizer and tokenizes; the sequences by domain name. */
        public Loaded load() {
            List<TextDomain> domains = new ArrayList<>();
            domains.add(TextDomain.load(general, settings.heldoutDocuments()));
            List<List<String>> named = new ArrayList<>();
            for (List<String> seq : sequences) {
                List<String> names = new ArrayList<>(List.of(domains.get(0).name()));
                for (String spec : seq) {
                    TextDomain d = TextDomain.load(spec, settings.heldoutDocuments());
                    if (domains.stream().noneMatch(x -> x.name().equals(d.name()))) {
                        domains.add(d);
                    }
                    names.add(d.name());
                }
                named.add(List.copyOf(names));
            }
            return new Loaded(new TextCorpora(domains, settings.decoderConfig().vocabSize()), named);
        }

        private static String text(Map<String, String> o, String name, String fallback) {
            String v = o.remove(name);
            return v == null ? fallback : v;
        }

        private static int count(Map<String, String> o, String name, int fallback) {
            String v = o.remove(name);
            if (v == null) {
                return fallback;
            }
            try {
                int n = Integer.parseInt(v.strip());
                if (n < 1) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + " is a positive whole number, got '" + v + "'", e);
            }
        }

        private static double number(String v, String name) {
            try {
                return Double.parseDouble(v.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + " is a number, got '" + v + "'", e);
            }
        }
    }

    /** The domains tokenized, and each sequence as domain names, the general domain first. */
    public record Loaded(TextCorpora corpora, List<List<String>> sequences) {}

    /** One run's outcome, as the {@code --out} file holds it (one JSON line per run). */
    public record RunRecord(
            String budget,
            List<String> sequence,
            long seed,
            String policy,
            double generalBefore,
            Map<String, Double> finalLoss,
            Map<String, Double> phaseEndLoss,
            List<Long> phaseTokens,
            double seconds) {}

    public static void main(Map<String, String> o) {
        run(Options.parse(o), System.out, System.err);
    }

    /** Runs the benchmark; tables to {@code out}, one progress line per run to {@code progress}. */
    public static void run(Options options, PrintStream out, PrintStream progress) {
        long t0 = System.nanoTime();
        Loaded loaded = options.load();
        TextCorpora corpora = loaded.corpora();
        List<List<String>> sequences = loaded.sequences();
        List<PolicyBench.Spec> specs = specs(options);
        TextRunSettings s = options.settings();
        out.printf(
                "model %s (%,d parameters), byte-level BPE of %d trained on %s; %d x %d tokens per step, %d steps per"
                        + " round, %d rounds (%,d tokens) per phase, %d pre-training steps; seeds %d..%d%n",
                s.model(),
                parameters(corpora, s),
                s.decoderConfig().vocabSize(),
                corpora.general(),
                s.batchSize(),
                s.sequenceLength(),
                s.batchesPerRound(),
                s.rounds(),
                s.phaseTokens(),
                s.pretrainSteps(),
                options.firstSeed(),
                options.firstSeed() + options.seeds() - 1);
        int total = options.budgets().size() * sequences.size() * specs.size() * options.seeds();
        Progress bar = new Progress(total, progress);
        Map<Long, TextBase> bases = new LinkedHashMap<>();
        AgentBenchmark recorded = null;
        try (BufferedWriter records = options.out() == null ? null : Files.newBufferedWriter(options.out())) {
            for (Budget budget : options.budgets()) {
                for (List<String> sequence : sequences) {
                    List<BenchTable.Row> rows = new ArrayList<>();
                    for (PolicyBench.Spec spec : specs) {
                        List<RunRecord> runs = new ArrayList<>();
                        for (int i = 0; i < options.seeds(); i++) {
                            long seed = options.firstSeed() + i;
                            TextBase base = bases.computeIfAbsent(seed, k -> TextBase.pretrain(corpora, s, k));
                            long started = System.nanoTime();
                            TextRun.Result r = new TextRun(corpora, s.withBudget(budget), sequence, base, seed)
                                    .run(spec.label(), k -> spec.policy());
                            RunRecord rec = new RunRecord(
                                    budget.label(),
                                    sequence,
                                    seed,
                                    spec.label(),
                                    r.trajectory().outcome().generalBefore(),
                                    r.trajectory().outcome().finalLoss(),
                                    r.trajectory().outcome().phaseEndLoss(),
                                    r.phaseTokens(),
                                    (System.nanoTime() - started) / 1e9);
                            runs.add(rec);
                            if (records != null) {
                                records.write(Json.write(rec));
                                records.newLine();
                                records.flush();
                            }
                            bar.done(rec);
                        }
                        rows.add(BenchTable.Row.of(spec, runs));
                    }
                    BenchTable.print(out, budget, sequence, rows, s, BOOTSTRAP_RESAMPLES);
                    if (recorded == null && budget == Budget.EQUAL_TOKENS) {
                        recorded = summary(options, sequence, rows);
                    }
                }
            }
            if (options.summary() != null && recorded != null) {
                Files.writeString(options.summary(), Json.write(recorded) + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + options.out() + " or " + options.summary(), e);
        } finally {
            bases.values().forEach(TextBase::close);
        }
        out.printf("%nbench took %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    private static long parameters(TextCorpora corpora, TextRunSettings s) {
        try (LanguageModel model = LanguageModel.create(s.decoderConfig(), 0, corpora.tokenizer(), Device.cpu())) {
            return model.parameterCount();
        }
    }

    /** The first equal-budget table's best static ratio and the agent's mean loss, as the shipped agent keeps them. */
    private static AgentBenchmark summary(Options o, List<String> sequence, List<BenchTable.Row> rows) {
        var agent = rows.stream().filter(r -> r.label().equals("agent")).findFirst();
        var best = BenchTable.bestStatic(rows);
        if (agent.isEmpty() || best.isEmpty()) {
            return null;
        }
        return new AgentBenchmark(
                "cpt bench --seeds " + o.seeds() + " --first-seed " + o.firstSeed(),
                Budget.EQUAL_TOKENS.label(),
                sequence,
                o.seeds(),
                best.get().replay(),
                Stats.mean(best.get().meanLoss()),
                Stats.mean(agent.get().meanLoss()));
    }

    static List<PolicyBench.Spec> specs(Options o) {
        List<PolicyBench.Spec> specs = new ArrayList<>();
        for (String p : o.policies()) {
            switch (p) {
                case "static" -> o.staticRatios().forEach(r -> specs.add(PolicyBench.Spec.replay(r)));
                case "temperature" ->
                    specs.add(new PolicyBench.Spec("temperature T=2", "temperature", Map.of("temperature", "2")));
                case "cmr" -> specs.add(new PolicyBench.Spec("cmr tol=0.1", "cmr", Map.of("tolerance", "0.1")));
                case "agent" -> specs.add(new PolicyBench.Spec("agent", "agent", Map.of("artifact", o.agent())));
                default -> specs.add(new PolicyBench.Spec(p, p, Map.of()));
            }
        }
        return specs;
    }

    /** One line per finished run: count, what ran, its outcome, and the time left at the pace so far. */
    private static final class Progress {
        private final int total;
        private final PrintStream to;
        private final long started = System.nanoTime();
        private int done;

        Progress(int total, PrintStream to) {
            this.total = total;
            this.to = to;
        }

        void done(RunRecord r) {
            done++;
            double elapsed = (System.nanoTime() - started) / 1e9;
            double left = elapsed / done * (total - done);
            to.printf(
                    "[%d/%d] %s %s seed %d %s: %.1f s, about %d min %02d s left%n",
                    done,
                    total,
                    r.budget(),
                    String.join(">", r.sequence()),
                    r.seed(),
                    r.policy(),
                    r.seconds(),
                    (long) left / 60,
                    (long) left % 60);
        }
    }
}

package dev.cpt.launcher;

import dev.cpt.mixing.cli.TextBench;
import dev.cpt.mixing.text.TextRunSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cpt bench}: the mixing benchmark on the user's own domains ({@link TextBench}), in this process: every
 * policy on the same domain sequences and seeds, with the mixer's, the trainer's and eval's own code.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "The mixing benchmark on your own text: a general domain, then domains arriving in order. Every policy"
                    + " (static replay ratios, uniform, temperature, ODM, CMR, the agent) runs every sequence on the"
                    + " same seeds with the mixer's round cutting, the trainer's optimizer steps and eval's held-out"
                    + " scoring, in this process. Prints per policy each domain's final held-out loss, the target"
                    + " loss, the forgetting of earlier domains and the mean loss with 95% intervals over seeds, under"
                    + " the equal-budget reading (same tokens trained per phase) and the equal-fresh one (same fresh"
                    + " data per phase), and the agent against the static replay frontier at its forgetting.",
            "A domain is a directory of .txt, .md, .jsonl or .jsonl.gz files, or one such file (PATH or NAME=PATH)."
        })
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--general",
            paramLabel = "PATH",
            description = "The general domain the model is pre-trained on. Default: the shipped general corpus"
                    + " (corpus/general)")
    String general;

    @Option(
            names = "--sequence",
            paramLabel = "PATH,PATH[,...]",
            description = "Domains arriving one after another after the general one; repeat the option for more"
                    + " sequences. Default: corpus/python,corpus/postgresql")
    List<String> sequences;

    @Option(
            names = "--seeds",
            defaultValue = "3",
            description = "Seeds per policy and sequence. Default: ${DEFAULT-VALUE}")
    String seeds;

    @Option(names = "--first-seed", defaultValue = "1", description = "The first seed. Default: ${DEFAULT-VALUE}")
    String firstSeed;

    @Option(
            names = "--static",
            paramLabel = "R,R,...",
            defaultValue = "0.1,0.25,0.4,0.55,0.7,0.85",
            description = "Static replay ratios to run (at least three for the frontier). Default: ${DEFAULT-VALUE}")
    String staticRatios;

    @Option(
            names = "--policies",
            paramLabel = "P,P,...",
            defaultValue = "static,uniform,temperature,odm,cmr,agent",
            description = "Policies to run. Default: ${DEFAULT-VALUE}")
    String policies;

    @Option(
            names = "--agent",
            paramLabel = "DIR",
            description = "A mixing agent's directory. Default: the agent shipped in cpt-mixing")
    String agent;

    @Option(
            names = "--budget",
            defaultValue = "both",
            description = "both, equal-budget or equal-fresh. Default: ${DEFAULT-VALUE}")
    String budget;

    @Option(
            names = "--model",
            defaultValue = TextRunSettings.DEFAULT_MODEL,
            description =
                    "The model preset (Llama layout; its vocabulary is the BPE's size). Default: ${DEFAULT-VALUE}")
    String model;

    @Option(
            names = "--rounds",
            defaultValue = "" + TextRunSettings.DEFAULT_ROUNDS,
            description = "Mixing rounds per phase. Default: ${DEFAULT-VALUE}")
    String rounds;

    @Option(
            names = "--pretrain-steps",
            defaultValue = "" + TextRunSettings.DEFAULT_PRETRAIN_STEPS,
            description = "Optimizer steps on the general domain first. Default: ${DEFAULT-VALUE}")
    String pretrainSteps;

    @Option(
            names = "--batch-size",
            defaultValue = "" + TextRunSettings.DEFAULT_BATCH_SIZE,
            description = "Sequences per step. Default: ${DEFAULT-VALUE}")
    String batchSize;

    @Option(
            names = "--batches-per-round",
            defaultValue = "" + TextRunSettings.DEFAULT_BATCHES_PER_ROUND,
            description = "Optimizer steps per mixing round. Default: ${DEFAULT-VALUE}")
    String batchesPerRound;

    @Option(
            names = "--learning-rate",
            defaultValue = "" + TextRunSettings.DEFAULT_LEARNING_RATE,
            description = "Peak of the trainer's default schedule. Default: ${DEFAULT-VALUE}")
    String learningRate;

    @Option(
            names = "--heldout-documents",
            defaultValue = "" + TextRunSettings.DEFAULT_HELDOUT_DOCUMENTS,
            description = "Documents of each domain kept out of training and scored. Default: ${DEFAULT-VALUE}")
    String heldoutDocuments;

    @Option(
            names = "--out",
            paramLabel = "FILE",
            description = "Also write every run's outcome here, one JSON line each")
    Path out;

    @Option(
            names = "--summary",
            paramLabel = "FILE",
            description = "Also write the first equal-budget table's best static ratio and the agent's mean loss here"
                    + " (the shipped agent keeps it as benchmark.json)")
    Path summary;

    @Override
    public Integer call() {
        TextBench.Options options = TextBench.Options.parse(options());
        // One libtorch thread: the benchmark's models are small, and threads fighting over two cores slow them down.
        System.setProperty("ai.djl.pytorch.num_threads", System.getProperty("ai.djl.pytorch.num_threads", "1"));
        System.setProperty(
                "ai.djl.pytorch.num_interop_threads", System.getProperty("ai.djl.pytorch.num_interop_threads", "1"));
        TextBench.run(options, System.out, System.err);
        return 0;
    }

    /** The options as the benchmark parses them; the shipped corpora unless the user names domains. */
    Map<String, String> options() {
        Path corpus = Path.of(System.getenv().getOrDefault("CPT_HOME", ".")).resolve("corpus");
        Map<String, String> o = new LinkedHashMap<>();
        o.put("general", general != null ? general : corpus.resolve("general").toString());
        o.put(
                "sequences",
                sequences != null
                        ? String.join(";", sequences)
                        : corpus.resolve("python") + "," + corpus.resolve("postgresql"));
        o.put("seeds", seeds);
        o.put("first-seed", firstSeed);
        o.put("static", staticRatios);
        o.put("policies", policies);
        if (agent != null) {
            o.put("agent", agent);
        }
        o.put("budget", budget);
        o.put("model", model);
        o.put("rounds", rounds);
        o.put("pretrain-steps", pretrainSteps);
        o.put("batch-size", batchSize);
        o.put("batches-per-round", batchesPerRound);
        o.put("learning-rate", learningRate);
        o.put("heldout-documents", heldoutDocuments);
        if (out != null) {
            o.put("out", out.toString());
        }
        if (summary != null) {
            o.put("summary", summary.toString());
        }
        return o;
    }
}

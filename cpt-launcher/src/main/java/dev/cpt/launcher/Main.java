package dev.cpt.launcher;

import dev.cpt.model.ModelPreset;
import dev.cpt.model.engine.ComputeDevice;
import dev.cpt.model.tokenizer.Tokenizer;
import dev.cpt.model.tokenizer.TokenizerStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code cpt demo}: stage 0 (pre-train the base, or find it in the cache), start the embedded stack, run the demo
 * job, stop. {@code cpt up}: start the stack and keep it running until Ctrl-C; {@code cpt ingest}, {@code cpt status}
 * and {@code cpt report} work on a stack so started, found through its {@link StackFile}. {@code cpt export}: a
 * checkpoint as a Hugging Face directory ({@link ExportCommand}). Data and logs go to
 * {@code --data-dir} (default {@code ./.cpt}, cleared by every demo); the stage-0 base is cached in
 * {@code --cache-dir} (default {@code ./.cpt-cache}), which the demo never clears.
 */
public final class Main {
    static final int DEFAULT_DOCUMENTS_PER_DOMAIN = 100;
    /** The learned mixing agent shipped in cpt-mixing; any name of {@code dev.cpt.mixing.Policies} works. */
    static final String DEFAULT_POLICY = "agent";

    private Main() {}

    public static void main(String[] args) {
        System.exit(commandLine().execute(args.length == 0 ? new String[] {"demo"} : args));
    }

    /**
     * The {@code cpt} command line: every option is converted and checked by picocli before a command runs, and a
     * wrong one ends in one line naming it (with the valid values where there is a list) and exit status 2.
     */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Cpt());
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine failed = e.getCommandLine();
            failed.getErr().println(failed.getCommandName() + ": " + e.getMessage());
            failed.getErr().println("(" + failed.getCommandSpec().qualifiedName() + " --help lists the options)");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, failed, parseResult) -> {
            if (e instanceof IllegalArgumentException) { // the user's input, found once a command ran: no trace
                failed.getErr().println(failed.getCommandName() + ": " + e.getMessage());
                return 2;
            }
            if (e instanceof CommandFailure) {
                failed.getErr().println(failed.getCommandName() + ": " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cli;
    }

    @Command(
            name = "cpt",
            mixinStandardHelpOptions = true,
            versionProvider = Cpt.Version.class,
            description = "Continual pre-training on Kafka: the embedded stack, its demo, the user's documents into it,"
                    + " its status and report, the mixing benchmark on the user's own text, and checkpoint export.",
            subcommands = {
                DemoCommand.class,
                UpCommand.class,
                IngestCommand.class,
                StatusCommand.class,
                ReportCommand.class,
                BenchCommand.class,
                ExportCommand.Subcommand.class
            })
    static final class Cpt {
        /** The launcher jar's version, as Maven wrote it into the manifest. */
        static final class Version implements CommandLine.IVersionProvider {
            @Override
            public String[] getVersion() {
                String v = Main.class.getPackage().getImplementationVersion();
                return new String[] {"cpt " + (v == null ? "(development build)" : v)};
            }
        }
    }

    /** Converts {@code --model} to one of {@link #DEMO_MODELS}. */
    static final class DemoModelConverter implements CommandLine.ITypeConverter<ModelPreset> {
        @Override
        public ModelPreset convert(String value) {
            try {
                return demoModel(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** The presets stage 0 can pre-train on the shipped corpus in minutes on a CPU; the others are benchmark shapes. */
    static final List<ModelPreset> DEMO_MODELS = List.of(
            ModelPreset.tiny,
            ModelPreset.small1M,
            ModelPreset.medium10M,
            ModelPreset.llamaTiny,
            ModelPreset.llamaDemo3M,
            ModelPreset.llamaDemo10M);

    static final ModelPreset DEFAULT_MODEL = ModelPreset.small1M;

    static ModelPreset demoModel(String name) {
        return DEMO_MODELS.stream()
                .filter(p -> p.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        "--model " + name + " is not a demo model; one of " + String.join(", ", names(DEMO_MODELS))));
    }

    static List<String> names(List<? extends Enum<?>> values) {
        return values.stream().map(Enum::name).toList();
    }

    static void demo(
            StackOptions options, Path cacheDir, int documents, String policy, ModelPreset model, ComputeDevice device)
            throws Exception {
        // One libtorch thread: stage 0 shares the machine with whatever else runs, and OpenMP's spinning threads
        // slow down many times over when the cores are oversubscribed (measured: 0.6 s/step with 1 thread against
        // 7 s/step with 2 on a loaded 2-core machine). Set before DJL's engine loads.
        System.setProperty("ai.djl.pytorch.num_threads", System.getProperty("ai.djl.pytorch.num_threads", "1"));
        System.setProperty(
                "ai.djl.pytorch.num_interop_threads", System.getProperty("ai.djl.pytorch.num_interop_threads", "1"));
        Demo.Plan plan = Demo.Plan.standard(documents);
        System.out.println(
                "Demo: finishes in under 15 minutes on a 2-core machine (the README's Benchmarks table has the"
                        + " latest measured time); a first run also pre-trains the stage-0 base, later runs reuse it.");
        StageZero.Recipe recipe = StageZero.Recipe.forModel(model);
        System.out.println(
                "  stage 0: pre-train " + model + " (" + recipe.config().modelType() + " layout, "
                        + "tokenizer " + recipe.tokenizerName() + ") on the general corpus ("
                        + plan.pretrainingTexts().size()
                        + " Debian Reference documents), cached in " + cacheDir);
        System.out.println("  then: start Kafka and five services, stream "
                + plan.phases().stream()
                        .map(p -> p.documents().size() + " " + p.corpus().domain())
                        .toList()
                + " documents one domain after the other, train, evaluate, score a reward, write the report.");
        System.out.println("  Data and logs in " + options.dataDir()
                + " (cleared first, so every demo starts from the same state).");
        DataDirectory.clear(options.dataDir());

        ProgressLine progress = ProgressLine.forConsole(System.out);
        long tokensPerStep = (long) recipe.batchSize() * recipe.config().contextLength();
        long stageStart = System.nanoTime();
        StageZero.Outcome base = StageZero.ensure(
                cacheDir, plan.pretrainingTexts(), recipe, device.resolve("--device"), (step, steps, loss) -> {
                    double perStep = (System.nanoTime() - stageStart) / 1e9 / step;
                    progress.update(
                            "stage 0: pre-train base",
                            step * tokensPerStep,
                            String.format(Locale.ROOT, "train %.3f", loss),
                            java.time.Duration.ofSeconds((long) (perStep * (steps - step))));
                });
        progress.message(
                base.reused()
                        ? String.format(
                                Locale.ROOT,
                                "stage 0: reused the cached base %s (trained earlier on %,d tokens,"
                                        + " final training loss %.3f); skipped pre-training.",
                                base.directory(),
                                base.trainingTokens(),
                                base.finalLoss())
                        : String.format(
                                Locale.ROOT,
                                "stage 0: pre-trained the base on %,d tokens in %.0f s (loss %.3f -> %.3f);"
                                        + " cached in %s%s.",
                                base.trainingTokens(),
                                base.seconds(),
                                base.firstLoss(),
                                base.finalLoss(),
                                base.directory(),
                                base.rebuiltReason() == null
                                        ? ""
                                        : " (the old cache was invalid: " + base.rebuiltReason() + ")"));

        plan = countedByTheBase(plan, base.directory());
        StackOptions tuned = Demo.tune(options)
                .withBaseModel(base.directory())
                // The reward service trains its demo encoder at first start; kept beside the base so reruns load it.
                .with(
                        "cpt.reward.encoder.cache-dir",
                        cacheDir.resolve("reward-encoder").toString())
                .with("cpt.mixer.policy", policy);
        System.out.println(
                "  mixing policy: " + policy + " (--policy NAME: static, uniform, temperature, odm, cmr, agent)");
        try (Stack stack = startWithProgress(tuned, progress)) {
            new Demo(stack, progress, plan, base, TrainerGrpoStage.demo()).run();
        }
    }

    /** The plan's tokens as the base's tokenizer cuts them: the ETA is in its tokens. */
    private static Demo.Plan countedByTheBase(Demo.Plan plan, Path base) throws Exception {
        Tokenizer tokenizer = TokenizerStore.read(base);
        try {
            return plan.countedBy(text -> tokenizer.encode(text).length);
        } finally {
            if (tokenizer instanceof AutoCloseable files) {
                files.close();
            }
        }
    }

    /** Starting six JVMs on two cores takes a minute or more: the line keeps ticking meanwhile. */
    private static Stack startWithProgress(StackOptions options, ProgressLine progress) {
        var ticker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "progress-ticker");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(
                () -> progress.update("starting the stack", 0, null, null),
                0,
                1,
                java.util.concurrent.TimeUnit.SECONDS);
        try {
            return Stack.start(options);
        } finally {
            ticker.shutdownNow();
        }
    }
}

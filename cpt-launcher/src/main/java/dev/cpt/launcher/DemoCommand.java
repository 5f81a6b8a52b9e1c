package dev.cpt.launcher;

import dev.cpt.mixing.Policies;
import dev.cpt.model.ModelPreset;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cpt demo}: stage 0, the embedded stack, the shipped corpora streamed through it, the report. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Pre-trains a base (or reuses it from the cache), starts Kafka and the five services, streams the shipped"
                    + " corpora one domain after the other, trains, evaluates, runs GRPO and writes"
                    + " <data-dir>/demo-report.html and .json. Under 15 minutes on 2 cores."
        })
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StackArguments stack;

    @Option(
            names = "--cache-dir",
            paramLabel = "DIR",
            defaultValue = ".cpt-cache",
            description = "The stage-0 base and the reward service's demo encoder, kept between demos."
                    + " Default: ${DEFAULT-VALUE}")
    Path cacheDir;

    private int documents = Main.DEFAULT_DOCUMENTS_PER_DOMAIN;

    @Option(
            names = "--documents",
            paramLabel = "N",
            description = "Documents streamed per domain, at least 1. Default: " + Main.DEFAULT_DOCUMENTS_PER_DOMAIN)
    void documents(int n) {
        if (n < 1) {
            throw new ParameterException(spec.commandLine(), "--documents must be at least 1, was " + n);
        }
        documents = n;
    }

    private String policy = Main.DEFAULT_POLICY;

    @Option(
            names = "--policy",
            paramLabel = "NAME",
            description = "The mixer's policy: static, uniform, temperature, odm, cmr or agent (the learned mixing"
                    + " agent). Default: " + Main.DEFAULT_POLICY)
    void policy(String name) {
        if (!Policies.NAMES.contains(name)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--policy " + name + " is not a mixing policy; one of " + String.join(", ", Policies.NAMES));
        }
        policy = name;
    }

    @Option(
            names = "--model",
            paramLabel = "NAME",
            converter = Main.DemoModelConverter.class,
            description = "The base's shape: tiny, small1M, medium10M (GPT-2 over bytes), llamaTiny, llamaDemo3M,"
                    + " llamaDemo10M (Llama with a byte-level BPE stage 0 trains). Default: small1M")
    ModelPreset model = Main.DEFAULT_MODEL;

    @Override
    public Integer call() throws Exception {
        Main.demo(stack.stackOptions(), cacheDir.toAbsolutePath(), documents, policy, model, stack.device);
        return 0;
    }
}

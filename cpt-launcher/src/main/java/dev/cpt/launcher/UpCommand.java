package dev.cpt.launcher;

import dev.cpt.model.DecoderConfig;
import dev.cpt.model.io.DecoderConfigJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cpt up}: the embedded stack, running until Ctrl-C. */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description = "Starts Kafka and the five services and keeps them running until Ctrl-C; documents go in through"
                + " cpt ingest, ingest's HTTP API or the inbox directory it prints.")
final class UpCommand implements Callable<Integer> {
    /** The mixer's own default sequence length ({@code cpt.mixer.context-length}); a base with less lowers it. */
    static final int MIXER_CONTEXT = 128;

    @Mixin
    StackArguments stack;

    @Option(
            names = "--base",
            paramLabel = "DIR",
            description = "The model the trainer continues from: a Hugging Face directory (config.json, safetensors"
                    + " weights, tokenizer.json) of a supported family, or a checkpoint of an earlier run. Ingest and"
                    + " the mixer cut text with its tokenizer.json. Default: the trainer's fresh preset over bytes")
    Path base;

    @Override
    public Integer call() throws Exception {
        DecoderConfig config = base == null ? null : checkedBase(base);
        StackOptions options = stack.stackOptions();
        if (base != null) {
            options = options.withBaseModel(base.toAbsolutePath())
                    .with(
                            "cpt.mixer.context-length",
                            Integer.toString(Math.min(MIXER_CONTEXT, config.contextLength())));
        }
        Stack running = Stack.start(options);
        System.out.println("Inbox for .txt/.md/.jsonl(.gz) files: " + running.inbox());
        System.out.println("Stack up. Kafka " + running.kafka().bootstrapServers() + "; ingest on "
                + running.service(Service.INGEST).url("/documents") + ". Logs in "
                + options.dataDir().resolve("logs") + ". Ctrl-C stops everything.");
        System.out.println("From another terminal: cpt ingest PATH..., cpt status and cpt report (with --data-dir "
                + options.dataDir() + " when it is not the default).");
        new CountDownLatch(1).await(); // the shutdown hook stops the stack on Ctrl-C
        return 0;
    }

    /** The base's architecture, read before anything starts: a directory the trainer could not load is named now. */
    static DecoderConfig checkedBase(Path dir) {
        Path config = dir.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            throw new IllegalArgumentException(
                    "--base " + dir + " holds no config.json: not a Hugging Face directory" + " or a checkpoint");
        }
        try {
            return DecoderConfigJson.read(config);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("--base " + dir + ": " + e.getMessage());
        }
    }
}

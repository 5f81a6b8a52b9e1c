package dev.cpt.launcher;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code cpt up}: the embedded stack, running until Ctrl-C. */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description = "Starts Kafka and the five services and keeps them running until Ctrl-C; documents go in through"
                + " ingest's HTTP API or the inbox directory it prints.")
final class UpCommand implements Callable<Integer> {

    @Mixin
    StackArguments stack;

    @Override
    public Integer call() throws Exception {
        StackOptions options = stack.stackOptions();
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
}

package dev.cpt.launcher;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code cpt demo}: start the embedded stack, run the demo job, stop. {@code cpt up}: start the stack and keep it
 * running until Ctrl-C. Data and logs go to {@code --data-dir} (default {@code ./.cpt}).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        String command = args.length > 0 ? args[0] : "demo";
        Path dataDir = Path.of(option(args, "--data-dir", ".cpt")).toAbsolutePath();
        Path repo = Path.of(option(args, "--repo", ".")).toAbsolutePath().normalize();
        StackOptions options = StackOptions.defaults(repo, dataDir);
        switch (command) {
            case "demo" -> {
                System.out.println("Demo: starts Kafka and five services, streams three domains, trains, evaluates. "
                        + "Expect a few minutes on 2 cores. Data and logs in " + dataDir
                        + " (cleared first, so that every demo starts from the same state).");
                DataDirectory.clear(dataDir);
                try (Stack stack = Stack.start(Demo.tune(options))) {
                    new Demo(stack, System.out).run();
                }
            }
            case "up" -> {
                Stack stack = Stack.start(options);
                System.out.println("Inbox for .txt/.md/.jsonl(.gz) files: " + stack.inbox());
                System.out.println("Stack up. Kafka " + stack.kafka().bootstrapServers() + "; ingest on "
                        + stack.service(Service.INGEST).url("/documents") + ". Logs in " + dataDir.resolve("logs")
                        + ". Ctrl-C stops everything.");
                new CountDownLatch(1).await(); // the shutdown hook stops the stack on Ctrl-C
            }
            default -> {
                System.err.println("usage: cpt [demo|up] [--data-dir DIR] [--repo DIR]");
                System.exit(2);
            }
        }
    }

    private static String option(String[] args, String name, String fallback) {
        for (int i = 1; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}

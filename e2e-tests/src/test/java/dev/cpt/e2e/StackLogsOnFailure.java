package dev.cpt.e2e;

import dev.cpt.launcher.Service;
import dev.cpt.launcher.Stack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Prints the end of every service's log when a stack test fails, before the stack and its temporary directory are
 * gone: a failed wait on a topic then shows what the service that should have written to it was doing.
 */
final class StackLogsOnFailure implements TestWatcher {
    private static final int LINES = 80;

    private final Supplier<Stack> stack;

    StackLogsOnFailure(Supplier<Stack> stack) {
        this.stack = stack;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        Stack running = stack.get();
        if (running == null) {
            return;
        }
        StringBuilder out = new StringBuilder();
        for (Service s : Service.values()) {
            Path log = running.service(s).log();
            out.append("===== ")
                    .append(context.getDisplayName())
                    .append(" failed; last ")
                    .append(LINES)
                    .append(" lines of ")
                    .append(log)
                    .append('\n')
                    .append(tail(log))
                    .append('\n');
        }
        System.err.print(out);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LINES), lines.size()));
        } catch (IOException e) {
            return "(cannot read: " + e.getMessage() + ")";
        }
    }
}

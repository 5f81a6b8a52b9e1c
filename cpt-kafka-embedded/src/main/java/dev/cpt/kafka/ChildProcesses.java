package dev.cpt.kafka;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Ending the stack's child JVMs: like a crash (SIGKILL), or gently (SIGTERM, then SIGKILL after a grace period). */
public final class ChildProcesses {
    private ChildProcesses() {}

    /** SIGKILL: no shutdown hook runs, as when a machine dies. Waits until the process is gone. */
    public static void kill(Process process) {
        if (process != null) {
            process.destroyForcibly();
            waitFor(process, Duration.ofSeconds(30));
        }
    }

    /** SIGTERM so the process can shut down cleanly; SIGKILL if it takes longer than {@code grace}. */
    public static void stop(Process process, Duration grace) {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!waitFor(process, grace)) {
                kill(process);
            }
        }
    }

    private static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

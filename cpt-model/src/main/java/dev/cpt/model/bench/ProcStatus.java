package dev.cpt.model.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's memory figures from {@code /proc/self}, for the benchmarks that measure resident memory. */
final class ProcStatus {
    private ProcStatus() {}

    /** Resets VmHWM to the current RSS ("5" into clear_refs, Linux 4.0+), so the next peak is the next step's own. */
    static long resetPeak() throws IOException {
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        return status("VmRSS");
    }

    /** A {@code /proc/self/status} figure in bytes (the file gives kB). */
    static long status(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IOException("no " + key + " in /proc/self/status");
    }
}

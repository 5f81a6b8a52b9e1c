package dev.cpt.eval;

import dev.cpt.common.Sha256;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A worker's snapshot of {@code cpt.eval.reports} on disk: one file per run with the run's reports, and {@value
 * #STATE_FILE} with the topic offsets those files cover and each run's latest report. Every file is replaced
 * atomically (written beside it, then moved over it), so a reader sees the old or the new file, never half of one.
 */
final class EvalStateFiles {
    static final String STATE_FILE = "reports-state.json";
    private static final String RUNS = "runs";
    // Long run ids are named by their hash: file names stay within every file system's limit.
    private static final int MAX_NAME = 160;

    /** One run's reports, in step order. */
    record RunFile(String runId, List<EvalReport> reports) {
        RunFile {
            reports = List.copyOf(reports);
        }
    }

    /**
     * What the run files hold: every record of {@code cpt.eval.reports} before {@code offsets[partition]} (the next
     * offset to read), and each run's latest report (by step), so the gauges can be shown without reading a run file.
     */
    record ReportsState(Map<Integer, Long> offsets, Map<String, EvalReport> latest) {
        static final ReportsState EMPTY = new ReportsState(Map.of(), Map.of());

        ReportsState {
            offsets = Map.copyOf(offsets);
            latest = Map.copyOf(latest);
        }
    }

    private final Path dir;

    EvalStateFiles(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    Optional<ReportsState> readState() {
        Path file = dir.resolve(STATE_FILE);
        return Files.exists(file) ? Optional.of(read(file, ReportsState.class)) : Optional.empty();
    }

    /** The run's saved reports; none when the run has no file. */
    List<EvalReport> readRun(String runId) {
        Path file = runFile(runId);
        return Files.exists(file) ? read(file, RunFile.class).reports() : List.of();
    }

    void writeRun(String runId, List<EvalReport> reports) {
        write(runFile(runId), new RunFile(runId, reports));
    }

    /** Written after the run files it describes: it must never claim offsets whose reports no run file holds. */
    void writeState(ReportsState state) {
        write(dir.resolve(STATE_FILE), state);
    }

    /** Deletes every run file and the state file. */
    void clear() {
        try {
            Files.deleteIfExists(dir.resolve(STATE_FILE));
            Path runs = dir.resolve(RUNS);
            if (Files.isDirectory(runs)) {
                try (var files = Files.list(runs)) {
                    for (Path f : files.toList()) {
                        Files.delete(f);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear the eval state in " + dir, e);
        }
    }

    Path runFile(String runId) {
        return dir.resolve(RUNS).resolve(fileName(runId) + ".json");
    }

    /**
     * A file name for any run id, on any file system: ASCII lower-case letters, digits, '-' and '_' stand for
     * themselves, every other byte of the UTF-8 id is %XX (upper case too, so that names differ on file systems that
     * ignore case). Ids too long for that are named by their sha256.
     */
    static String fileName(String runId) {
        StringBuilder name = new StringBuilder();
        for (byte b : runId.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
                name.append(c);
            } else {
                name.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return name.length() <= MAX_NAME ? name.toString() : "sha256-" + Sha256.hex(runId);
    }

    private static <T> T read(Path file, Class<T> type) {
        try {
            return Json.read(Files.readString(file, StandardCharsets.UTF_8), type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the eval state file " + file, e);
        }
    }

    private static void write(Path file, Object content) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, Json.write(content), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the eval state file " + file, e);
        }
    }
}

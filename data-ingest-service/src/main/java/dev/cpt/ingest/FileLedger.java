package dev.cpt.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cpt.common.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * How far each watched file has been ingested, one small JSON file per watched file, each replaced atomically
 * (written beside, forced to disk, renamed), so a crash leaves either the old or the new progress, never a torn one.
 */
public final class FileLedger {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param size and {@code modified}: the file as it was when ingest began; a file that changes is a new file
     * @param position bytes done (of the decompressed stream for {@code .gz}); the next line starts here
     * @param line lines done, for messages
     * @param pending a chunk sent to the broker but not yet confirmed, or null
     * @param outcome {@code done} or {@code failed} once finished, else null
     */
    public record Progress(
            String path, long size, long modified, long position, long line, Pending pending, String outcome) {
        public boolean finished() {
            return outcome != null;
        }

        public boolean sameFile(long size, long modified) {
            return this.size == size && this.modified == modified;
        }
    }

    /**
     * A chunk (starting at the recorded position) was being sent: the output topics' end offsets just before.
     * Whatever of that chunk the broker holds lies after these offsets; a restart looks there instead of guessing.
     */
    public record Pending(Map<String, Long> logEnds) {}

    private final Path dir;

    public FileLedger(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the file ledger " + dir.toAbsolutePath(), e);
        }
    }

    public Optional<Progress> get(String path) {
        Path file = fileOf(path);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), Progress.class));
        } catch (IOException e) {
            throw new UncheckedIOException("the ledger entry " + file + " for " + path + " is unreadable", e);
        }
    }

    public void put(Progress progress) {
        Path file = fileOf(progress.path());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.write(tmp, JSON.writeValueAsBytes(progress));
            try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                c.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the progress of " + progress.path(), e);
        }
    }

    private Path fileOf(String path) {
        byte[] h = Sha256.digest(path);
        return dir.resolve(HexFormat.of().formatHex(h, 0, 16) + ".json");
    }
}

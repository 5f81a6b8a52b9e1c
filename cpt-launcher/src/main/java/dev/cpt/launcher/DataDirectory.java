package dev.cpt.launcher;

import dev.cpt.common.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The stack's data directory. */
final class DataDirectory {
    private DataDirectory() {}

    /**
     * Removes what an earlier run left (broker log, checkpoints, ingest state), refusing anything that does not look
     * like a stack's data directory, so a mistyped {@code --data-dir} cannot wipe unrelated files.
     */
    static void clear(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            var unexpected = entries.map(p -> p.getFileName().toString())
                    .filter(n -> !n.matches("kafka|checkpoints|logs|ingest-state|mixer-state|eval-state|inbox"
                            + "|demo-report\\.(json|html)|report\\.html|" + StackFile.NAME.replace(".", "\\.")))
                    .toList();
            if (!unexpected.isEmpty()) {
                throw new IllegalStateException(dir + " holds files the stack did not write (" + unexpected
                        + "); choose another --data-dir or remove it yourself");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        FileTrees.delete(dir);
    }
}

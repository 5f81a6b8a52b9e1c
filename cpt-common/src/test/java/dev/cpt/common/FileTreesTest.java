package dev.cpt.common;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {

    @TempDir
    Path tmp;

    @Test
    void deleteRemovesTheTreeAndToleratesAnAbsentOne() throws IOException {
        Path dir = tree();
        FileTrees.delete(dir);
        assertFalse(Files.exists(dir));
        FileTrees.delete(dir);
        assertFalse(Files.exists(dir));
    }

    @Test
    void deleteContentsKeepsTheDirectory() throws IOException {
        Path dir = tree();
        FileTrees.deleteContents(dir);
        assertTrue(Files.isDirectory(dir));
        try (var left = Files.list(dir)) {
            assertFalse(left.findAny().isPresent());
        }
    }

    private Path tree() throws IOException {
        Path dir = tmp.resolve("tree");
        Files.createDirectories(dir.resolve("a/b"));
        Files.writeString(dir.resolve("a/b/file.txt"), "x");
        Files.writeString(dir.resolve("top.txt"), "y");
        return dir;
    }
}

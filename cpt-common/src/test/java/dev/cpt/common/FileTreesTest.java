package dev.cpt.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @Test
    void copyCopiesEveryFileAndLeavesTheSourceAlone() throws IOException {
        Path dir = tree();
        Path copy = tmp.resolve("copy");
        FileTrees.copy(dir, copy);
        assertEquals("x", Files.readString(copy.resolve("a/b/file.txt")));
        assertEquals("y", Files.readString(copy.resolve("top.txt")));
        Files.writeString(copy.resolve("top.txt"), "changed");
        assertEquals("y", Files.readString(dir.resolve("top.txt")));
    }

    private Path tree() throws IOException {
        Path dir = tmp.resolve("tree");
        Files.createDirectories(dir.resolve("a/b"));
        Files.writeString(dir.resolve("a/b/file.txt"), "x");
        Files.writeString(dir.resolve("top.txt"), "y");
        return dir;
    }
}

package dev.cpt.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Removing directory trees: the one implementation every module calls. */
public final class FileTrees {

    private FileTrees() {}

    /** Deletes {@code dir} and everything under it; a directory that does not exist is already deleted. */
    public static void delete(Path dir) {
        if (Files.exists(dir)) {
            deleteAll(deepestFirst(dir), dir);
        }
    }

    /** Deletes everything under {@code dir} and keeps {@code dir} itself. */
    public static void deleteContents(Path dir) {
        if (Files.exists(dir)) {
            deleteAll(deepestFirst(dir).stream().filter(p -> !p.equals(dir)).toList(), dir);
        }
    }

    /**
     * Deletes what it can of {@code dir} and ignores the rest: for temporary directories at exit or after a failure,
     * where a leftover is harmless and must not hide the error that is being reported.
     */
    public static void deleteQuietly(Path dir) {
        try {
            delete(dir);
        } catch (UncheckedIOException ignored) {
            // best effort by contract
        }
    }

    private static List<Path> deepestFirst(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.sorted(Comparator.reverseOrder()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + " to delete it", e);
        }
    }

    private static void deleteAll(List<Path> paths, Path dir) {
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + p + " (removing " + dir + ")", e);
            }
        }
    }
}

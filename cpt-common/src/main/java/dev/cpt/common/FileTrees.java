package dev.cpt.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Copying and removing directory trees: the one implementation every module calls. */
public final class FileTrees {

    private FileTrees() {}

    /** Copies {@code from} and everything under it to {@code to}, which must not exist yet. */
    public static void copy(Path from, Path to) {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }

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

package dev.cpt.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The checkpoint store: a directory tree whose locations travel in Kafka as {@code file:} URIs. Every URI read
 * from a message is confined to the root, so a crafted event cannot make a service read or write elsewhere.
 */
public final class CheckpointStore {
    private static final Pattern STEP_DIRECTORY = Pattern.compile("step-(\\d{9,})");

    private final Path root;

    public CheckpointStore(Path root) {
        try {
            Files.createDirectories(root);
            this.root = root.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the checkpoint store at " + root.toAbsolutePath(), e);
        }
    }

    public Path root() {
        return root;
    }

    /** Where step {@code step} of run {@code runId} is checkpointed. */
    public Path checkpointDir(String runId, long step) {
        return root.resolve(runId).resolve(stepDirectory(step));
    }

    /** A checkpoint directory's name: zero-padded, so that names sort in step order. */
    public static String stepDirectory(long step) {
        return String.format("step-%09d", step);
    }

    /** A run's checkpoint in the store: the run and the step it holds. */
    public record Location(String runId, long step) {}

    /**
     * The run and step of the checkpoint {@code uri} names, read back from {@link #checkpointDir}'s layout; empty
     * when the URI is not a run's checkpoint directory in the store (an imported base model, say, or a URI that
     * {@link #resolve} refuses).
     */
    public Optional<Location> locate(String uri) {
        Path dir;
        try {
            dir = resolve(uri);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        Path relative = root.relativize(dir);
        if (relative.getNameCount() != 2
                || !STEP_DIRECTORY.matcher(relative.getFileName().toString()).matches()) {
            return Optional.empty();
        }
        return Optional.of(new Location(relative.getName(0).toString(), stepOf(dir)));
    }

    /** The checkpoint directories of a run directory, in step order; a missing run directory has none. */
    public static List<Path> checkpoints(Path runDir) {
        if (!Files.isDirectory(runDir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(runDir)) {
            return entries.filter(Files::isDirectory)
                    .filter(p ->
                            STEP_DIRECTORY.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingLong(CheckpointStore::stepOf))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the checkpoints in " + runDir, e);
        }
    }

    /** The step a checkpoint directory holds, read from its name ({@link #stepDirectory}). */
    public static long stepOf(Path checkpointDir) {
        Matcher m = STEP_DIRECTORY.matcher(checkpointDir.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException(checkpointDir + " is not a checkpoint directory");
        }
        return Long.parseLong(m.group(1));
    }

    /** The checkpoint directories of a run directory that come before {@code dir}, the newest first. */
    public static List<Path> checkpointsBefore(Path runDir, Path dir) {
        long step = stepOf(dir);
        return checkpoints(runDir).stream()
                .filter(p -> stepOf(p) < step)
                .sorted(Comparator.comparingLong(CheckpointStore::stepOf).reversed())
                .toList();
    }

    public String uriOf(Path location) {
        Path absolute = location.toAbsolutePath().normalize();
        if (!absolute.startsWith(root)) {
            throw new IllegalArgumentException(location + " is outside the checkpoint store " + root);
        }
        return absolute.toUri().toString();
    }

    /** The directory a checkpoint URI names, refused unless it is a {@code file:} URI inside the store root. */
    public Path resolve(String uri) {
        URI parsed;
        try {
            parsed = URI.create(uri);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a valid checkpoint URI: " + uri, e);
        }
        if (!"file".equals(parsed.getScheme())) {
            throw new IllegalArgumentException("checkpoint URI must use the file: scheme: " + uri);
        }
        Path path = Path.of(parsed).normalize();
        if (!path.startsWith(root)) {
            throw new IllegalArgumentException("checkpoint URI points outside the store root " + root + ": " + uri);
        }
        try {
            if (Files.exists(path) && !path.toRealPath().startsWith(root)) {
                throw new IllegalArgumentException(
                        "checkpoint URI leads outside the store root through a link: " + uri);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return path;
    }
}

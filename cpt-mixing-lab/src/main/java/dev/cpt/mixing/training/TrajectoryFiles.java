package dev.cpt.mixing.training;

import dev.cpt.common.Sha256;
import dev.cpt.contracts.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Trajectories as JSON lines, one trajectory per line; a directory means every {@code *.jsonl} in it. */
public final class TrajectoryFiles {
    private TrajectoryFiles() {}

    public static void append(BufferedWriter out, Trajectory t) throws IOException {
        out.write(Json.write(t));
        out.newLine();
    }

    /** The files a path names: itself, or the {@code .jsonl} files in the directory, sorted. */
    public static List<Path> files(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (Stream<Path> s = Files.list(path)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jsonl"))
                    .sorted()
                    .toList();
        }
    }

    public static List<Trajectory> read(List<Path> files) throws IOException {
        List<Trajectory> out = new ArrayList<>();
        for (Path f : files) {
            int line = 0;
            for (String text : Files.readAllLines(f)) {
                line++;
                if (text.isBlank()) {
                    continue;
                }
                try {
                    out.add(Json.read(text, Trajectory.class));
                } catch (RuntimeException e) {
                    throw new IOException(f + ":" + line + ": " + e.getMessage(), e);
                }
            }
        }
        return out;
    }

    /** sha256 over the files' bytes in order: the training data's identity in the agent's manifest. */
    public static String sha256(List<Path> files) throws IOException {
        MessageDigest digest = Sha256.newDigest();
        for (Path f : files) {
            digest.update(Files.readAllBytes(f));
        }
        return Sha256.hex(digest);
    }
}

package dev.cpt.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A written checkpoint.
 *
 * @param directory where it lives
 * @param manifestSha256 sha256 (hex) of {@code manifest.json}; the checkpoint's identity
 * @param files every file the manifest lists, with its size and sha256
 * @param metadata caller-supplied metadata stored in the manifest
 */
public record CheckpointInfo(
        Path directory, String manifestSha256, List<FileEntry> files, Map<String, String> metadata) {
    /**
     * The file in a run's directory (a trainer writes each run's checkpoints under one) that names the run's newest
     * checkpoint: a restart resumes from it, and {@code cpt export} of a run directory exports it.
     */
    public static final String LATEST = "LATEST";

    public CheckpointInfo {
        files = List.copyOf(files);
        metadata = Map.copyOf(metadata);
    }

    /** One file of a checkpoint as listed in its manifest. */
    public record FileEntry(String path, long size, String sha256) {}

    public List<String> fileNames() {
        return files.stream().map(FileEntry::path).toList();
    }
}

package dev.cpt.trainer;

import dev.cpt.common.FileTrees;
import dev.cpt.common.Sha256;
import dev.cpt.model.io.Manifest;
import dev.cpt.service.CheckpointStore;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Deletes the run's checkpoints that {@link RetentionRule} lets go, with what it needs to know: {@code LATEST}, what
 * eval has reported ({@link EvalProgress}), and the bases of unfinished GRPO stages (their files in the store). The
 * trainer calls it under its lock, after each checkpoint, at start and when eval has reported more, so no checkpoint
 * is written, branched off or reloaded while one is deleted.
 *
 * <p>A checkpoint is first renamed, in one atomic move, to a name that is no checkpoint's ({@value #TRASH_PREFIX}...),
 * and only then are its files deleted: a crash midway leaves a directory no reader takes for a checkpoint, which the
 * next pass removes.
 */
@ApplicationScoped
public class CheckpointRetention {
    static final String TRASH_PREFIX = ".deleted-";

    private final CheckpointStore store;
    private final EvalProgress eval;
    private final TrainerMetrics metrics;
    private final GrpoStageStore stages;
    private final String runId;
    private final int keepLast;
    private long changesSeen = -1;

    CheckpointRetention(TrainerConfig config, CheckpointStore store, EvalProgress eval, TrainerMetrics metrics) {
        this.store = store;
        this.eval = eval;
        this.metrics = metrics;
        this.runId = config.runId();
        this.keepLast = config.retention().keepLast();
        if (keepLast < 0) {
            throw new IllegalArgumentException(
                    "cpt.trainer.retention.keep-last must be 0 (keep everything) or more, not " + keepLast);
        }
        this.stages = new GrpoStageStore(store, runId);
    }

    /** Whether eval has reported anything since the last pass, which may let more checkpoints go. */
    boolean evalMovedOn() {
        return eval.changes() != changesSeen;
    }

    /**
     * One pass: deletes what the rule lets go and updates the meters. A failure is logged, never thrown: retention
     * must not stop training.
     */
    void prune() {
        try {
            pruneOrThrow();
        } catch (RuntimeException e) {
            Log.errorf(e, "run %s: checkpoint retention failed; nothing more is deleted in this pass", runId);
        }
    }

    private void pruneOrThrow() {
        changesSeen = eval.changes();
        Path runDir = store.root().resolve(runId);
        removeTrash(runDir);
        Path latestFile = runDir.resolve(TrainingRun.LATEST);
        if (!Files.isRegularFile(latestFile)) {
            return; // no checkpoint completed yet: nothing a run could resume from, nothing to decide
        }
        long latest = CheckpointStore.stepOf(runDir.resolve(read(latestFile).strip()));
        List<RetentionRule.Checkpoint> checkpoints = new ArrayList<>();
        for (Path dir : CheckpointStore.checkpoints(runDir)) {
            checkpoints.add(new RetentionRule.Checkpoint(CheckpointStore.stepOf(dir), manifestSha256(dir)));
        }
        EvalProgress.Known known = eval.known();
        RetentionRule.Decision decision = RetentionRule.decide(
                checkpoints,
                keepLast,
                new RetentionRule.Facts(
                        latest,
                        known.reported(),
                        known.released(),
                        known.bases(),
                        known.rollbackTargets(),
                        known.phaseEnds(),
                        openGrpoBases(runDir)));
        for (RetentionRule.Checkpoint c : decision.deleted()) {
            delete(runDir, c);
        }
        long bytes = 0;
        Map<RetentionRule.Reason, Integer> byReason = new EnumMap<>(RetentionRule.Reason.class);
        for (RetentionRule.Reason r : RetentionRule.Reason.values()) {
            byReason.put(r, 0);
        }
        for (var kept : decision.kept().entrySet()) {
            kept.getValue().forEach(r -> byReason.merge(r, 1, Integer::sum));
            bytes += sizeOf(store.checkpointDir(runId, kept.getKey()));
        }
        metrics.retained(runId, byReason, bytes);
        if (!decision.deleted().isEmpty()) {
            Log.infof(
                    "run %s: %d checkpoints kept, %s on disk: %s",
                    runId, decision.kept().size(), megabytes(bytes), describe(decision));
        }
    }

    private void delete(Path runDir, RetentionRule.Checkpoint c) {
        Path dir = store.checkpointDir(runId, c.step());
        long bytes = sizeOf(dir);
        Path trash = runDir.resolve(TRASH_PREFIX + dir.getFileName());
        try {
            Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + dir + " aside to delete it", e);
        }
        FileTrees.delete(trash);
        metrics.checkpointDeleted(runId);
        Log.infof(
                "run %s: deleted checkpoint %s (%s freed): eval has reported on it, it is not among the last %d,"
                        + " and it is not LATEST, the base, a release, the rollback target, the end of a phase or an"
                        + " open GRPO stage's base",
                runId, dir.getFileName(), megabytes(bytes), keepLast);
    }

    /** Directories a pass moved aside and a crash kept it from deleting. */
    private static void removeTrash(Path runDir) {
        if (!Files.isDirectory(runDir)) {
            return;
        }
        try (Stream<Path> entries = Files.list(runDir)) {
            for (Path p : entries.filter(p -> p.getFileName().toString().startsWith(TRASH_PREFIX))
                    .toList()) {
                Log.infof("removing %s, a checkpoint whose deletion was interrupted", p);
                FileTrees.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + runDir, e);
        }
    }

    /** The steps of this run's checkpoints that GRPO stages not yet finished branched off, from their files. */
    private Set<Long> openGrpoBases(Path runDir) {
        Set<Long> steps = new HashSet<>();
        for (GrpoStageStore.Saved stage : stages.load()) {
            if (stage.finished() || stage.base() == null) {
                continue;
            }
            try {
                Path base = store.resolve(stage.base());
                if (runDir.equals(base.getParent())) {
                    steps.add(CheckpointStore.stepOf(base));
                }
            } catch (IllegalArgumentException e) {
                Log.warnf(
                        "GRPO stage %s: base %s is not a checkpoint of this run",
                        stage.status().id(), stage.base());
            }
        }
        return steps;
    }

    /** The checkpoint's identity, as eval reports it; null when its manifest cannot be read. */
    private static String manifestSha256(Path dir) {
        try {
            return Sha256.hex(dir.resolve(Manifest.FILE));
        } catch (IOException e) {
            return null;
        }
    }

    private static long sizeOf(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            return 0; // gone meanwhile
                        }
                    })
                    .sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    private static String describe(RetentionRule.Decision decision) {
        return decision.kept().entrySet().stream()
                .map(e -> "step " + e.getKey() + " ("
                        + e.getValue().stream().map(r -> r.tag).collect(Collectors.joining(", ")) + ")")
                .collect(Collectors.joining("; "));
    }

    private static String megabytes(long bytes) {
        return String.format("%.1f MB", bytes / 1e6);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

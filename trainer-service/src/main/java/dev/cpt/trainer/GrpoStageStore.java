package dev.cpt.trainer;

import dev.cpt.common.FileTrees;
import dev.cpt.contracts.GrpoStatus;
import dev.cpt.contracts.Json;
import dev.cpt.service.CheckpointStore;
import io.quarkus.logging.Log;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * GRPO stages kept in the checkpoint store, so that a trainer restart loses none: each stage's run directory
 * ({@code <run>-grpo-<stage>/}) holds {@value #FILE}, rewritten atomically at every change of its status. It holds
 * the status {@code GET /grpo/{id}} shows, the status as of the stage's last checkpoint (what a resume continues
 * from: the weights on disk and the counters agree), the base checkpoint it branched off, and when it was submitted.
 */
final class GrpoStageStore {
    static final String FILE = "grpo-stage.json";

    /**
     * One stage as persisted.
     *
     * @param submittedAt when {@code POST /grpo} accepted it: stages resume in this order
     * @param base the URI of the checkpoint it branched off; null until it started
     * @param status its latest status
     * @param atCheckpoint its status right after its last checkpoint; null until the first (step 0)
     */
    record Saved(Instant submittedAt, String base, GrpoStatus status, GrpoStatus atCheckpoint) {
        Saved with(GrpoStatus now) {
            return new Saved(submittedAt, base, now, atCheckpoint);
        }

        Saved checkpointed(GrpoStatus now) {
            return new Saved(submittedAt, base, now, now);
        }

        Saved branchedFrom(String baseUri) {
            return new Saved(submittedAt, baseUri, status, atCheckpoint);
        }

        boolean finished() {
            return GrpoStatus.SUCCEEDED.equals(status.state()) || GrpoStatus.FAILED.equals(status.state());
        }
    }

    /**
     * What a restarted trainer does with a persisted stage that had not finished.
     *
     * @param status its status as it goes on: running, {@code resumes} one more
     * @param base where it branched off (null: it never started, branch off the run's latest checkpoint now)
     * @param checkpoint the checkpoint to continue from (step {@code status.step()}); null: start over at step 0
     */
    record Resume(GrpoStatus status, String base, String checkpoint) {
        /**
         * The decision: from the last checkpoint the stage wrote, with the counters it had then (steps after it are
         * trained again); without one, from step 0 of the same base; a queued stage starts as it would have.
         */
        static Resume of(Saved saved) {
            GrpoStatus live = saved.status();
            int resumes = live.resumes() + 1;
            GrpoStatus last = saved.atCheckpoint();
            if (saved.base() == null || last == null || last.checkpoints().isEmpty()) {
                return new Resume(live.resumed(resumes), saved.base(), null);
            }
            return new Resume(
                    last.resumed(resumes),
                    saved.base(),
                    last.checkpoints().get(last.checkpoints().size() - 1));
        }
    }

    private final CheckpointStore store;
    private final String cptRunId;

    GrpoStageStore(CheckpointStore store, String cptRunId) {
        this.store = store;
        this.cptRunId = cptRunId;
    }

    /** Writes the stage's file: a temporary file moved over the old one, so a kill leaves the old or the new. */
    void save(Saved saved) {
        Path runDir = store.root().resolve(saved.status().runId());
        try {
            Files.createDirectories(runDir);
            Path tmp = runDir.resolve(FILE + ".tmp");
            Files.writeString(tmp, Json.write(saved));
            Files.move(tmp, runDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot persist GRPO stage " + saved.status().id() + " in " + runDir, e);
        }
    }

    /** Every stage of this CPT run found in the store, in submission order; an unreadable file is logged and left. */
    List<Saved> load() {
        List<Saved> found = new ArrayList<>();
        String prefix = cptRunId + GrpoStages.RUN_SUFFIX;
        try (Stream<Path> dirs = Files.list(store.root())) {
            for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith(prefix))
                    .filter(d -> Files.isRegularFile(d.resolve(FILE)))
                    .toList()) {
                try {
                    found.add(Json.read(Files.readString(dir.resolve(FILE)), Saved.class));
                } catch (IOException | RuntimeException e) {
                    Log.errorf(e, "GRPO stage file %s is unreadable; that stage is not resumed", dir.resolve(FILE));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list GRPO stages in " + store.root(), e);
        }
        found.sort(Comparator.comparing(Saved::submittedAt)
                .thenComparing(s -> s.status().id()));
        return found;
    }

    /**
     * Removes the stage's step checkpoints after {@code step} (-1: all) and half-written ones a kill left: the steps
     * a resume trains again write them anew, and a checkpoint directory is never overwritten.
     */
    void discardCheckpointsAfter(String stageRunId, long step) {
        Path runDir = store.root().resolve(stageRunId);
        if (!Files.isDirectory(runDir)) {
            return;
        }
        for (Path p : CheckpointStore.checkpoints(runDir)) {
            if (CheckpointStore.stepOf(p) > step) {
                discard(stageRunId, step, p);
            }
        }
        try (Stream<Path> entries = Files.list(runDir)) {
            for (Path p : entries.filter(Files::isDirectory)
                    .filter(d -> d.getFileName().toString().startsWith(".step-"))
                    .toList()) {
                discard(stageRunId, step, p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + runDir, e);
        }
    }

    private static void discard(String stageRunId, long step, Path checkpoint) {
        Log.infof("GRPO stage %s resumes at step %d: removing %s", stageRunId, step + 1, checkpoint);
        FileTrees.delete(checkpoint);
    }
}

package dev.cpt.trainer;

import ai.djl.Device;
import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.model.CheckpointInfo;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.service.CheckpointStore;
import dev.cpt.training.schedule.LearningRateSchedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Warmup-stable-decay releases (MiniCPM): the stable run goes on at its peak rate, and from time to time a copy of
 * its latest checkpoint is "finished" by a short decay and published as a release of the run
 * ({@code <run>-release}). The decay trains on the most recent optimizer steps' batches of the stable run, which
 * the branch has already seen once, with the run's AdamW settings and gradient accumulation; the stable run itself is
 * not touched.
 */
final class ReleaseBranch {
    static final String SUFFIX = "-release";

    private final LearningRateSchedule.WarmupStableDecay schedule;
    private final OptimizerSettings optimizer;
    private final Deque<List<int[][]>> recent = new ArrayDeque<>();

    /** @param optimizer the run's AdamW settings; each decay step takes its rate from {@code schedule} */
    ReleaseBranch(LearningRateSchedule.WarmupStableDecay schedule, OptimizerSettings optimizer) {
        this.schedule = schedule;
        this.optimizer = optimizer;
    }

    /**
     * Keeps the micro-batches (rows of each) of the last {@code decaySteps} optimizer steps, the data a release
     * decays on.
     */
    void remember(List<int[][]> step) {
        recent.addLast(List.copyOf(step));
        while (recent.size() > schedule.decaySteps()) {
            recent.removeFirst();
        }
    }

    /** Decays a copy of the checkpoint in {@code stable} and writes it as a release; returns its claim check. */
    CheckpointEvent release(CheckpointStore store, CheckpointEvent stable, Device device) {
        Path source = store.resolve(stable.uri());
        Path target = source.getParent().resolve("release-" + source.getFileName());
        try (LanguageModel branch = LanguageModel.load(source, stable.sha256(), device)) {
            long step = 0;
            for (List<int[][]> microBatches : recent) {
                branch.trainStep(microBatches, optimizer.withLearningRate(schedule.decayed(step++)));
            }
            if (Files.exists(target)) {
                throw new IllegalStateException("release " + target + " already exists");
            }
            CheckpointInfo info =
                    branch.save(target, Map.of("release.of", stable.uri(), "release.decay-steps", Long.toString(step)));
            return new CheckpointEvent(
                    stable.runId() + SUFFIX,
                    stable.step(),
                    store.uriOf(target),
                    info.manifestSha256(),
                    stable.tokensSeen(),
                    stable.tokensPerDomain(),
                    stable.consumedOffsets(),
                    Instant.now(),
                    stable.schedule(),
                    store.uriOf(target.resolve(LanguageModel.OPTIMIZER_FILE)));
        } catch (IOException e) {
            throw new UncheckedIOException("writing the release of " + source + " failed", e);
        }
    }
}

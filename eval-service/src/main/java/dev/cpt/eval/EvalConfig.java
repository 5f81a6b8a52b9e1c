package dev.cpt.eval;

import dev.cpt.model.engine.ComputeDevice;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

@ConfigMapping(prefix = "cpt.eval")
public interface EvalConfig {
    /**
     * A domain's held-out set freezes once it holds this many documents (the first ones in topic order); later
     * documents of that domain are ignored, so every later checkpoint is scored on exactly the same documents.
     */
    @WithDefault("64")
    int heldoutDocumentsPerDomain();

    /**
     * Where checkpoints are loaded and scored: auto (a GPU when libtorch finds CUDA, else the CPU, logged), cpu or gpu
     * (refuses to start without one). See {@link ComputeDevice}.
     */
    @WithDefault("auto")
    ComputeDevice device();

    /** The property {@link #device()} is read from, named in its log lines and errors. */
    String DEVICE_SETTING = "cpt.eval.device";

    /**
     * How long a checkpoint waits for this worker to have read {@code cpt.heldout} and {@code cpt.eval.reports} up to
     * their end offsets before it is scored (so that workers score on the same sets and history); past it the
     * checkpoint is scored on what has been read, and the shortfall is logged.
     */
    @WithDefault("30s")
    Duration catchUpTimeout();

    /**
     * Where this worker keeps its snapshot of {@code cpt.eval.reports}: one file per run with its reports, and
     * {@code reports-state.json} with the topic offsets they cover and each run's latest report. A restart reads the
     * topic on from there instead of from its beginning, and the snapshot keeps reports that retention has deleted
     * from the topic. Relative paths are resolved against the working directory; each worker needs its own (a worker
     * with an empty one rebuilds it from the topic).
     */
    @WithDefault(".cpt/eval-state")
    String stateDir();

    /**
     * The snapshot is saved once this many reports have been read since the last save and the topic is read to its
     * end, and when the service stops. A crash loses nothing: the reports after the snapshot are read again.
     */
    @WithDefault("50")
    int snapshotEvery();

    /** A loss within this many nats of its reference counts as recovered (stability gap). */
    @WithDefault("0.02")
    double stabilityGapTolerance();

    /**
     * The reward service's base URL (e.g. http://localhost:8085); when set, task answers also get its semantic score
     * from {@code POST /score}.
     */
    Optional<String> rewardUrl();

    Gate gate();

    Tasks tasks();

    interface Gate {
        /** X: the target domains' mean held-out loss must fall by at least this many nats against the reference. */
        @WithDefault("0.01")
        double minTargetImprovement();

        /** Y: no protected domain's held-out loss may rise by more than this many nats against the reference. */
        @WithDefault("0.05")
        double maxProtectedRegression();
    }

    interface Tasks {
        /** Question-set files (JSONL: {"prompt", "reference"} per line), comma separated; none by default. */
        Optional<java.util.List<String>> files();

        /** Most tokens generated per answer (greedy). */
        @WithDefault("64")
        int maxNewTokens();

        /** Generation stops at this token (byte tokenizer: 10 = newline); negative for none. */
        @WithDefault("10")
        int stopToken();

        @WithDefault("30s")
        Duration rewardTimeout();
    }
}

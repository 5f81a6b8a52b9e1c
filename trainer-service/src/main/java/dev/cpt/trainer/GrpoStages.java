package dev.cpt.trainer;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.GrpoSpec;
import dev.cpt.contracts.GrpoStatus;
import dev.cpt.contracts.GrpoStepReport;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RunMetadata;
import dev.cpt.kafka.clients.KafkaClients;
import dev.cpt.model.CheckpointInfo;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.PolicyObjective;
import dev.cpt.service.CheckpointStore;
import dev.cpt.trainer.grpo.GrpoLimits;
import dev.cpt.trainer.grpo.GrpoLoop;
import dev.cpt.trainer.grpo.GrpoSettings;
import dev.cpt.trainer.grpo.KafkaRewardSource;
import dev.cpt.trainer.grpo.RewardSource;
import dev.cpt.trainer.grpo.StageTasks;
import dev.cpt.trainer.grpo.TaskLines;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * GRPO stages, one at a time in submission order. A stage branches off the CPT run's latest checkpoint (the weights
 * eval already scored), trains a copy as run {@code <run>-grpo-<stage>} against a frozen reference copy, asks the
 * reward service for rewards over Kafka, and announces its checkpoints on {@code cpt.checkpoints} like the CPT run
 * does: step 0 (the branched weights, eval's base for what GRPO changed), every {@code checkpointEverySteps}, and
 * the last. The CPT consumer goes on between the stage's model steps (see {@link BatchTrainer#exclusively}).
 *
 * <p>Every change of a stage's status is persisted in its run directory ({@link GrpoStageStore}). When the trainer
 * starts, finished stages are listed again and unfinished ones resume in submission order, with their ids, from
 * their last checkpoint (see {@link GrpoStageStore.Resume#of}). A stage stopped by a shutdown stays unfinished on disk
 * and resumes at the next start.
 */
@ApplicationScoped
public class GrpoStages {
    static final String RUN_SUFFIX = "-grpo-";

    private final TrainerConfig config;
    private final CheckpointStore store;
    private final BatchTrainer trainer;
    private final GrpoMetrics metrics;
    private final KafkaClients kafka;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "grpo-stage");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, GrpoStageStore.Saved> stages = new LinkedHashMap<>();
    private final GrpoStageStore saved;
    private volatile boolean closing;

    GrpoStages(
            TrainerConfig config,
            CheckpointStore store,
            BatchTrainer trainer,
            GrpoMetrics metrics,
            KafkaClients kafka) {
        this.config = config;
        this.store = store;
        this.trainer = trainer;
        this.metrics = metrics;
        this.kafka = kafka;
        this.saved = new GrpoStageStore(store, config.runId());
    }

    void resumeAtStartup(@Observes StartupEvent event) {
        resumePersisted();
    }

    /**
     * Takes up the stages persisted in the store that this trainer does not hold yet: a finished one is listed, an
     * unfinished one queued to resume (once: a stage already held is never started a second time). Returns the ids
     * queued.
     */
    synchronized List<String> resumePersisted() {
        List<String> queued = new ArrayList<>();
        for (GrpoStageStore.Saved stage : saved.load()) {
            String id = stage.status().id();
            if (stages.containsKey(id)) {
                continue;
            }
            stages.put(id, stage);
            if (!stage.finished()) {
                Log.infof(
                        "GRPO stage %s (%s) was %s at step %d when the trainer stopped: resuming it",
                        id,
                        stage.status().runId(),
                        stage.status().state(),
                        stage.status().step());
                executor.submit(() -> run(id, GrpoStageStore.Resume.of(stage)));
                queued.add(id);
            }
        }
        return queued;
    }

    /** Queues a stage; throws {@link IllegalArgumentException} listing every problem of a spec that cannot run. */
    GrpoStatus start(GrpoSpec requested) {
        GrpoSpec spec = (requested == null ? GrpoSpec.unset() : requested).withDefaults();
        TrainerConfig.Grpo limits = config.grpo();
        List<String> problems =
                new GrpoLimits(limits.maxPrompts(), limits.maxSteps(), limits.maxGroupSize()).problems(spec);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        String id = UUID.randomUUID().toString().substring(0, 8);
        GrpoStatus status = GrpoStatus.queued(id, config.runId() + RUN_SUFFIX + id, spec);
        synchronized (this) {
            persist(new GrpoStageStore.Saved(Instant.now(), null, status, null));
        }
        executor.submit(() -> run(id, null));
        return status;
    }

    synchronized Optional<GrpoStatus> get(String id) {
        return Optional.ofNullable(stages.get(id)).map(GrpoStageStore.Saved::status);
    }

    synchronized Collection<GrpoStatus> all() {
        return stages.values().stream().map(GrpoStageStore.Saved::status).toList();
    }

    private synchronized void update(GrpoStatus status) {
        persist(stages.get(status.id()).with(status));
    }

    /** A status that has just added a checkpoint: also the one a resume continues from. */
    private synchronized void checkpointed(GrpoStatus status) {
        persist(stages.get(status.id()).checkpointed(status));
    }

    private synchronized void branched(String id, String baseUri) {
        persist(stages.get(id).branchedFrom(baseUri));
    }

    /** On disk first: whatever {@code GET /grpo/{id}} has shown survives a kill. */
    private void persist(GrpoStageStore.Saved stage) {
        try {
            saved.save(stage);
        } catch (UncheckedIOException e) {
            // the stage itself goes on; only a restart would lose this change
            Log.errorf(
                    e,
                    "GRPO stage %s: its status could not be persisted",
                    stage.status().id());
        }
        stages.put(stage.status().id(), stage);
    }

    private synchronized GrpoStatus current(String id) {
        return stages.get(id).status();
    }

    /** Runs a new stage ({@code resume} null) or one a restart interrupted, from where {@code resume} says. */
    private void run(String id, GrpoStageStore.Resume resume) {
        String runId = config.runId() + RUN_SUFFIX + id;
        // filled again: a stage persisted before a field existed reads it as null
        GrpoSpec spec = current(id).spec().withDefaults();
        update(resume == null ? current(id).running() : resume.status());
        try {
            // before branching: a source without examples on both sides fails the stage before it writes anything
            StageTasks tasks = loadTasks(id, runId, spec);
            Path base;
            if (resume != null && resume.base() != null) {
                base = store.resolve(resume.base());
            } else {
                // Branching and persisting the base are one piece under the trainer's lock, under which retention
                // runs: it finds this stage's base on disk before it could delete it.
                base = trainer.exclusively(() -> {
                    Path point = trainer.branchPoint();
                    branched(id, store.uriOf(point));
                    return point;
                });
            }
            String from = resume == null ? null : resume.checkpoint();
            long first = from == null ? 0 : current(id).step();
            saved.discardCheckpointsAfter(runId, from == null ? -1 : first);
            GrpoSettings settings = new GrpoSettings(
                    spec.groupSize(),
                    spec.promptsPerStep(),
                    spec.innerSteps(),
                    new PolicyObjective(spec.clipEpsilon(), spec.beta()),
                    // the trainer's AdamW settings at the stage's own rate
                    OptimizerConfig.of(config).withLearningRate(spec.learningRate()),
                    spec.temperature(),
                    spec.maxNewTokens(),
                    config.grpo().rewardTimeout(),
                    config.grpo().maxStalenessSteps(),
                    config.grpo().overlapRollouts(),
                    config.grpo().importanceWeightCap(),
                    spec.seed());
            try (LanguageModel reference = LanguageModel.load(base, null, TrainingRun.device(config));
                    LanguageModel policy = from == null
                            ? reference.copy()
                            : LanguageModel.load(store.resolve(from), null, TrainingRun.device(config));
                    RewardSource rewards =
                            new KafkaRewardSource(kafka, latency -> metrics.rewardLatency(runId, latency));
                    GrpoLoop loop = new GrpoLoop(
                            id,
                            policy,
                            settings.objective().klBeta() > 0 ? reference : null,
                            rewards,
                            tasks.train(),
                            settings,
                            trainer::exclusively)) {
                Log.infof(
                        "GRPO stage %s (%s): reference on %s, policy on %s",
                        id, runId, reference.device(), policy.device());
                Branch branch = new Branch(runId, store.uriOf(base), tokensOf(reference), spec);
                if (first > 0) {
                    loop.continueFrom(first, current(id).policyVersion());
                    Log.infof("GRPO stage %s (%s) resumes at step %d of %d", id, runId, first + 1, spec.steps());
                }
                // sampled while step 0 is written and the held-out reward is taken, rather than by the first step
                loop.startFirstRollouts();
                if (from == null) {
                    checkpointed(current(id).checkpointed(branch.publish(policy, 0)));
                }
                if (first == 0) {
                    GrpoLoop.HeldOutReward before = loop.heldOutReward(tasks.heldOut(), "heldout-before");
                    metrics.heldOut(runId, "before", before);
                    update(current(id).before(before.mean(), before.answered()));
                }
                for (long step = first + 1; step <= spec.steps(); step++) {
                    GrpoStepReport report = loop.step(step < spec.steps());
                    metrics.step(runId, report);
                    update(current(id).stepped(report));
                    boolean last = step == spec.steps();
                    if (last || (spec.checkpointEverySteps() > 0 && step % spec.checkpointEverySteps() == 0)) {
                        checkpointed(current(id).checkpointed(branch.publish(policy, step)));
                    }
                }
                loop.abandonPending();
                GrpoLoop.HeldOutReward after = loop.heldOutReward(tasks.heldOut(), "heldout-after");
                metrics.heldOut(runId, "after", after);
                update(current(id).after(after.mean(), after.answered()).succeeded());
                Log.infof(
                        "GRPO stage %s (%s): held-out reward %s -> %.4f",
                        id, runId, current(id).heldOutRewardBefore(), after.mean());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (closing) {
                Log.infof(
                        "GRPO stage %s stopped by the shutdown at step %d; it resumes at the next start",
                        id, current(id).step());
                return;
            }
            update(current(id).failed("interrupted"));
        } catch (RuntimeException | IOException | Error e) {
            if (closing && e instanceof RuntimeException) {
                // most likely the shutdown's interrupt surfacing as another exception: resume it rather than fail it
                Log.infof("GRPO stage %s stopped by the shutdown (%s); it resumes at the next start", id, e);
                return;
            }
            // an Error too: the executor would swallow it and leave the stage "running" for ever
            Log.errorf(e, "GRPO stage %s failed", id);
            update(current(id).failed(e.getMessage() == null ? e.toString() : e.getMessage()));
            if (e instanceof Error error) {
                throw error;
            }
        }
    }

    /**
     * The stage's examples, its status showing how many; the user's refused lines are dead-lettered and counted once
     * per stage (a resume whose status already has the counts does not send them again).
     */
    private StageTasks loadTasks(String id, String runId, GrpoSpec spec) throws IOException, InterruptedException {
        StageTasks tasks = StageTasks.load(spec, kafka);
        if (current(id).tasks() == null) {
            tasks.deadLetter(kafka);
            tasks.rejected().stream().map(TaskLines.Rejected::kind).forEach(kind -> metrics.taskRejected(runId, kind));
        }
        update(current(id).withTasks(tasks.counts()));
        Log.infof(
                "GRPO stage %s (%s): %d examples from %s (%d refused), %d to train on, %d held out",
                id,
                runId,
                tasks.counts().loaded(),
                tasks.counts().source(),
                tasks.counts().rejected(),
                tasks.train().size(),
                tasks.heldOut().size());
        return tasks.requireBothSides();
    }

    private static Map<String, Long> tokensOf(LanguageModel model) {
        return RunMetadata.in(model.checkpointMetadata())
                .map(RunMetadata::tokensPerDomain)
                .orElse(Map.of());
    }

    /**
     * The stage's checkpoints: written under {@code <store>/<run>-grpo-<stage>/}, with the CPT tokens they descend
     * from (GRPO adds no domain data, so eval's phases stay those of the base) and where they branched off.
     */
    private final class Branch {
        private final String runId;
        private final String baseUri;
        private final Map<String, Long> tokens;
        private final GrpoSpec spec;

        Branch(String runId, String baseUri, Map<String, Long> tokens, GrpoSpec spec) {
            this.runId = runId;
            this.baseUri = baseUri;
            this.tokens = tokens;
            this.spec = spec;
        }

        String publish(LanguageModel policy, long step) {
            Path dir = store.checkpointDir(runId, step);
            Supplier<CheckpointInfo> save = () -> {
                try {
                    Map<String, String> metadata = new HashMap<>(
                            RunMetadata.branch(runId, step, tokens).toMetadata());
                    metadata.put(RunMetadata.BRANCH_BASE, baseUri);
                    metadata.put("grpo.spec", Json.write(spec));
                    return policy.save(dir, metadata);
                } catch (IOException e) {
                    throw new UncheckedIOException("writing GRPO checkpoint " + dir + " failed", e);
                }
            };
            CheckpointInfo info = trainer.exclusively(save);
            long seen = tokens.values().stream().mapToLong(Long::longValue).sum();
            var schedule = new CheckpointEvent.ScheduleState("grpo", 0, 0, -1, spec.learningRate(), 1.0);
            trainer.announce(new CheckpointEvent(
                    runId,
                    step,
                    store.uriOf(dir),
                    info.manifestSha256(),
                    seen,
                    tokens,
                    List.of(),
                    Instant.now(),
                    schedule,
                    store.uriOf(dir.resolve(LanguageModel.OPTIMIZER_FILE))));
            return store.uriOf(dir);
        }
    }

    void close(@Observes ShutdownEvent event) {
        closing = true;
        executor.shutdownNow();
    }
}

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
import dev.cpt.trainer.grpo.DemoTasks;
import dev.cpt.trainer.grpo.GrpoLimits;
import dev.cpt.trainer.grpo.GrpoLoop;
import dev.cpt.trainer.grpo.GrpoSettings;
import dev.cpt.trainer.grpo.KafkaRewardSource;
import dev.cpt.trainer.grpo.RewardSource;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
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
    private final Map<String, GrpoStatus> stages = new LinkedHashMap<>();

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
        update(status);
        executor.submit(() -> run(id, spec));
        return status;
    }

    synchronized Optional<GrpoStatus> get(String id) {
        return Optional.ofNullable(stages.get(id));
    }

    synchronized Collection<GrpoStatus> all() {
        return new ArrayList<>(stages.values());
    }

    private synchronized void update(GrpoStatus status) {
        stages.put(status.id(), status);
    }

    private synchronized GrpoStatus current(String id) {
        return stages.get(id);
    }

    private void run(String id, GrpoSpec spec) {
        String runId = config.runId() + RUN_SUFFIX + id;
        update(current(id).running());
        try {
            Path base = trainer.branchPoint();
            DemoTasks.Split split = DemoTasks.split(spec.task(), spec.prompts(), spec.heldOutPrompts(), spec.seed());
            GrpoSettings settings = new GrpoSettings(
                    spec.groupSize(),
                    spec.promptsPerStep(),
                    spec.innerSteps(),
                    new PolicyObjective(spec.clipEpsilon(), spec.beta()),
                    spec.learningRate(),
                    spec.temperature(),
                    spec.maxNewTokens(),
                    config.grpo().rewardTimeout(),
                    config.grpo().maxStalenessSteps(),
                    spec.seed());
            try (LanguageModel reference = LanguageModel.load(base, null, TrainingRun.device(config));
                    LanguageModel policy = reference.copy();
                    RewardSource rewards = new KafkaRewardSource(kafka)) {
                Branch branch = new Branch(runId, store.uriOf(base), tokensOf(reference), spec);
                GrpoLoop loop = new GrpoLoop(
                        id,
                        policy,
                        settings.objective().klBeta() > 0 ? reference : null,
                        rewards,
                        split.train(),
                        settings,
                        trainer::exclusively);
                update(current(id).checkpointed(branch.publish(policy, 0)));
                GrpoLoop.HeldOutReward before = loop.heldOutReward(split.heldOut(), "heldout-before");
                metrics.heldOut(runId, "before", before);
                update(current(id).before(before.mean(), before.answered()));
                for (int step = 1; step <= spec.steps(); step++) {
                    GrpoStepReport report = loop.step();
                    metrics.step(runId, report);
                    update(current(id).stepped(report));
                    boolean last = step == spec.steps();
                    if (last || (spec.checkpointEverySteps() > 0 && step % spec.checkpointEverySteps() == 0)) {
                        update(current(id).checkpointed(branch.publish(policy, step)));
                    }
                }
                loop.abandonPending();
                GrpoLoop.HeldOutReward after = loop.heldOutReward(split.heldOut(), "heldout-after");
                metrics.heldOut(runId, "after", after);
                update(current(id).after(after.mean(), after.answered()).succeeded());
                Log.infof("GRPO stage %s (%s): held-out reward %.4f -> %.4f", id, runId, before.mean(), after.mean());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            update(current(id).failed("interrupted"));
        } catch (RuntimeException | IOException | Error e) {
            // an Error too: the executor would swallow it and leave the stage "running" for ever
            Log.errorf(e, "GRPO stage %s failed", id);
            update(current(id).failed(e.getMessage() == null ? e.toString() : e.getMessage()));
            if (e instanceof Error error) {
                throw error;
            }
        }
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
                    metadata.put("grpo.base", baseUri);
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
        executor.shutdownNow();
    }
}

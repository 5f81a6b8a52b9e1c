package dev.cpt.trainer;

import ai.djl.Device;
import dev.cpt.common.FileTrees;
import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.ConsumedOffset;
import dev.cpt.contracts.MalformedMessageException;
import dev.cpt.contracts.RunMetadata;
import dev.cpt.contracts.SchedulePhase;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.model.CheckpointException;
import dev.cpt.model.CheckpointInfo;
import dev.cpt.model.DataParallel;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.NonFiniteWeightsException;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.Precision;
import dev.cpt.service.CheckpointStore;
import dev.cpt.training.OptimizerSteps;
import dev.cpt.training.StepOutcome;
import dev.cpt.training.schedule.LearningRateSchedule;
import dev.cpt.training.schedule.PhaseClock;
import io.quarkus.logging.Log;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One training run: the model, how far it has got, and the Kafka offsets its weights have consumed.
 * A run resumes from its latest checkpoint ({@code <store>/<run>/LATEST} names it); the checkpoint's manifest
 * holds the run state, so weights and progress can never disagree.
 *
 * <p>Each batch message is a micro-batch: its gradients accumulate, and every {@code gradient-accumulation-steps}
 * messages one optimizer step applies them. The run's step, tokens, schedule phase and consumed offsets move only
 * with that step, so a checkpoint, whenever it is written, holds exactly the batches whose gradients are in its
 * weights; the batches of a step not yet taken are read again after a crash.
 */
final class TrainingRun implements AutoCloseable {
    static final String LATEST = dev.cpt.model.CheckpointInfo.LATEST;

    private final String runId;
    private final Path runDir;
    private final LanguageModel model;
    // The model and its copies on the other devices of cpt.trainer.replicas; with one replica, the model alone.
    private final DataParallel replicas;
    // The step count, tokens, schedule phase and learning-rate scale move with the optimizer steps it takes.
    private final OptimizerSteps steps;
    private final Map<String, ConsumedOffset> offsets;
    private final boolean resumed;
    // The batch messages whose gradients wait in steps for the next optimizer step, in the order they came.
    private final List<MicroBatch> pending = new ArrayList<>();

    /** A batch message whose gradients have been accumulated, and where it leaves its partition. */
    record MicroBatch(TrainingBatch batch, ConsumedOffset position) {}

    /** An optimizer step of the run (applied or skipped) and the batch messages it took, in the order they came. */
    record TrainedStep(StepOutcome outcome, List<MicroBatch> microBatches) {}

    private TrainingRun(
            String runId,
            Path runDir,
            LanguageModel model,
            OptimizerSteps steps,
            List<ConsumedOffset> offsets,
            boolean resumed,
            DataParallel replicas) {
        this.replicas = replicas;
        this.steps = steps;
        this.resumed = resumed;
        this.runId = runId;
        this.runDir = runDir;
        this.model = model;
        this.offsets = new TreeMap<>();
        offsets.forEach(o -> this.offsets.put(o.topic() + "/" + o.partition(), o));
        steps.onPhaseStart((phase, domains) -> Log.infof(
                "run %s: phase %d starts at step %d (new domain in %s)",
                runId, phase.phase(), phase.phaseStartStep(), domains));
    }

    /** Throws {@link IllegalArgumentException}, before any model is loaded, when a step setting is out of range. */
    static TrainingRun resumeOrStart(CheckpointStore store, TrainerConfig config) {
        OptimizerSettings optimizer = OptimizerConfig.of(config);
        List<Device> devices = devices(config); // refuses too few GPUs before any weights are read
        Path runDir = store.root().resolve(config.runId());
        Path latest = runDir.resolve(LATEST);
        if (Files.isRegularFile(latest)) {
            Path dir = runDir.resolve(read(latest).strip());
            try {
                Loaded loaded = latestFinite(runDir, dir, devices.get(0));
                dir = loaded.dir();
                LanguageModel model = loaded.model();
                model.precision(config.precision());
                RunMetadata state = RunMetadata.from(model.checkpointMetadata());
                Log.infof(
                        "run %s resumes from %s at step %s, on %s", config.runId(), dir, state.step(), model.device());
                return open(config, runDir, model, devices, optimizer, state, true);
            } catch (IOException | MalformedMessageException e) { // CheckpointException included
                throw new IllegalStateException(
                        "run " + config.runId() + " cannot resume from " + dir + ": " + e.getMessage(), e);
            }
        }
        LanguageModel initial;
        if (config.baseCheckpoint().isPresent()) {
            Path base = Path.of(config.baseCheckpoint().get());
            initial = BaseModel.load(base, devices.get(0));
            Log.infof("run %s starts from the base model in %s, on %s", config.runId(), base, initial.device());
        } else {
            initial = LanguageModel.create(config.model().decoderConfig(), config.seed(), devices.get(0));
            Log.infof(
                    "run %s starts from scratch with the %s model, on %s",
                    config.runId(), config.model(), initial.device());
        }
        initial.precision(config.precision());
        var start = new RunMetadata(config.runId(), 0, Map.of(), List.of(), SchedulePhase.initial(), 1.0);
        return open(config, runDir, initial, devices, optimizer, start, false);
    }

    /** The run of {@code model} on {@code devices}, at the step, tokens, offsets and schedule of {@code state}. */
    private static TrainingRun open(
            TrainerConfig config,
            Path runDir,
            LanguageModel model,
            List<Device> devices,
            OptimizerSettings optimizer,
            RunMetadata state,
            boolean resumed) {
        DataParallel replicas = replicate(model, devices);
        var steps = new OptimizerSteps(
                replicas,
                optimizer,
                config.gradientAccumulationSteps(),
                new PhaseClock(config.schedule().rewarmOnNewDomain(), state.phaseOrInitial()),
                state.step(),
                state.tokensPerDomain());
        steps.scaleLearningRate(state.learningRateScaleOrOne());
        List<ConsumedOffset> offsets = state.offsets() == null ? List.of() : state.offsets();
        return new TrainingRun(config.runId(), runDir, model, steps, offsets, resumed, replicas);
    }

    /** {@code model} and its copies on the other {@code devices}; the model is closed when they cannot be made. */
    private static DataParallel replicate(LanguageModel model, List<Device> devices) {
        try {
            DataParallel replicas = DataParallel.over(model, devices);
            if (replicas.size() > 1) {
                Log.infof("the run trains data parallel on %d replicas: %s", replicas.size(), replicas.devices());
            }
            return replicas;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    record Loaded(Path dir, LanguageModel model) {}

    /**
     * The checkpoint {@code named} (the one LATEST names) or, when its weights hold a NaN or an infinity, the newest
     * earlier checkpoint of the run whose weights are finite; LATEST then moves to it, so no later resume starts from
     * a broken one.
     */
    static Loaded latestFinite(Path runDir, Path named, Device device) throws IOException {
        List<Path> candidates = new ArrayList<>();
        candidates.add(named);
        candidates.addAll(CheckpointStore.checkpointsBefore(runDir, named));
        for (Path dir : candidates) {
            try {
                LanguageModel model = LanguageModel.load(dir, null, device);
                if (!dir.equals(named)) {
                    pointLatestAt(runDir, dir);
                }
                return new Loaded(dir, model);
            } catch (NonFiniteWeightsException e) {
                Log.errorf("%s; going back one checkpoint further", e.getMessage());
            }
        }
        throw new CheckpointException("no checkpoint in " + runDir + " at or before " + named + " has finite weights");
    }

    /**
     * Whether the record just before {@code position} is already in the weights: after a restart or a rebalance the
     * consumer may deliver it again, and it must not be trained twice.
     */
    boolean alreadyTrained(ConsumedOffset position) {
        ConsumedOffset seen = consumed().get(key(position));
        return seen != null && position.nextOffset() <= seen.nextOffset();
    }

    /** The offsets in the weights and, beyond them, those of the micro-batches accumulated for the next step. */
    private Map<String, ConsumedOffset> consumed() {
        Map<String, ConsumedOffset> all = new TreeMap<>(offsets);
        pending.forEach(m -> advance(all, m.position()));
        return all;
    }

    private static void advance(Map<String, ConsumedOffset> offsets, ConsumedOffset position) {
        offsets.merge(key(position), position, (a, b) -> a.nextOffset() >= b.nextOffset() ? a : b);
    }

    private static String key(ConsumedOffset position) {
        return position.topic() + "/" + position.partition();
    }

    /** The position a record leaves its partition at: the offset after it, the next one to read. */
    static ConsumedOffset positionAfter(ConsumerRecord<?, ?> record) {
        return new ConsumedOffset(record.topic(), record.partition(), record.offset() + 1);
    }

    /**
     * Where to go on reading each partition in this process: after the last record these weights, or the gradients
     * accumulated for their next step, have consumed. A checkpoint records only the former ({@link #checkpoint}).
     */
    List<ConsumedOffset> positions() {
        return List.copyOf(consumed().values());
    }

    double learningRateScale() {
        return steps.learningRateScale();
    }

    /** Lowers (or raises) every later learning rate of the run; kept in the checkpoints from now on. */
    void scaleLearningRate(double scale) {
        steps.scaleLearningRate(scale);
    }

    PhaseClock phases() {
        return steps.phases();
    }

    static Device device(TrainerConfig config) {
        return config.device().resolve(TrainerConfig.DEVICE_SETTING);
    }

    /** The devices of the run's replicas, the model's own first (see {@link TrainerConfig#replicas()}). */
    static List<Device> devices(TrainerConfig config) {
        return config.device().resolve(TrainerConfig.DEVICE_SETTING, config.replicas(), TrainerConfig.REPLICAS_SETTING);
    }

    /** Where this run's replicas live, the model's own first. */
    List<Device> replicaDevices() {
        return replicas.devices();
    }

    /** Where this run's model lives. */
    Device modelDevice() {
        return model.device();
    }

    /** What this run's matrix products compute in ({@code cpt.trainer.precision}). */
    Precision modelPrecision() {
        return model.precision();
    }

    /**
     * Accumulates the gradients of one batch message, and takes the optimizer step when it is the last of {@code
     * gradient-accumulation-steps}: returns that step, or nothing while the step is still accumulating. The offsets of
     * the step's batch messages enter the run with it, applied or skipped, so a skipped step's batches are not read
     * again.
     */
    Optional<TrainedStep> train(TrainingBatch batch, ConsumedOffset position, LearningRateSchedule schedule) {
        // A batch the model refuses throws here, before its gradients, and is no part of any step.
        Optional<StepOutcome> stepped = steps.train(batch, schedule);
        pending.add(new MicroBatch(batch, position));
        if (stepped.isEmpty()) {
            return Optional.empty();
        }
        pending.forEach(m -> advance(offsets, m.position()));
        TrainedStep taken = new TrainedStep(stepped.get(), List.copyOf(pending));
        pending.clear();
        return Optional.of(taken);
    }

    /** Micro-batches accumulated for the next optimizer step. */
    int pendingMicroBatches() {
        return pending.size();
    }

    /**
     * Writes a checkpoint, moves LATEST to it, and returns its claim check; only then may it be announced. It holds
     * the weights and offsets of the optimizer steps taken; micro-batches accumulated for the next step are not in
     * it, and are read again by a run that resumes from it.
     */
    CheckpointEvent checkpoint(CheckpointStore store, String scheduleKind) {
        long step = steps.step();
        Path dir = store.checkpointDir(runId, step);
        // A directory of this name can only be left over from before a crash that came before LATEST moved to it:
        // it was never announced, and the weights now are the ones that count.
        FileTrees.delete(dir);
        Map<String, Long> tokensPerDomain = steps.tokensPerDomain();
        var state = new RunMetadata(
                runId,
                step,
                tokensPerDomain,
                new ArrayList<>(offsets.values()),
                steps.phases().state(),
                steps.learningRateScale());
        try {
            CheckpointInfo info = model.save(dir, state.toMetadata());
            pointLatestAt(runDir, dir);
            SchedulePhase phase = steps.phases().state();
            var schedule = new CheckpointEvent.ScheduleState(
                    scheduleKind,
                    phase.phase(),
                    phase.phaseStartStep(),
                    phase.cooldownStartStep(),
                    steps.lastLearningRate(),
                    steps.learningRateScale());
            return new CheckpointEvent(
                    runId,
                    step,
                    store.uriOf(dir),
                    info.manifestSha256(),
                    tokensSeen(),
                    tokensPerDomain,
                    new ArrayList<>(offsets.values()),
                    Instant.now(),
                    schedule,
                    store.uriOf(dir.resolve(LanguageModel.OPTIMIZER_FILE)));
        } catch (IOException e) {
            throw new UncheckedIOException("writing checkpoint " + dir + " failed", e);
        }
    }

    private static void pointLatestAt(Path runDir, Path dir) throws IOException {
        Path tmp = runDir.resolve(LATEST + ".tmp");
        Files.writeString(tmp, dir.getFileName().toString());
        Files.move(tmp, runDir.resolve(LATEST), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The directory {@code LATEST} names; only valid once the run has written a checkpoint. */
    Path latestCheckpointDir() {
        Path latest = runDir.resolve(LATEST);
        if (!Files.isRegularFile(latest)) {
            throw new IllegalStateException("run " + runId + " has no checkpoint yet");
        }
        return runDir.resolve(read(latest).strip());
    }

    /** Whether the run continued from a checkpoint of its own rather than starting from scratch. */
    boolean resumed() {
        return resumed;
    }

    long tokensSeen() {
        return steps.tokensPerDomain().values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }

    long step() {
        return steps.step();
    }

    String runId() {
        return runId;
    }

    @Override
    public void close() {
        replicas.close();
        model.close();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

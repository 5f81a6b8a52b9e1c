package dev.cpt.trainer;

import ai.djl.Device;
import dev.cpt.common.FileTrees;
import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.ConsumedOffset;
import dev.cpt.contracts.MalformedMessageException;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.RunMetadata;
import dev.cpt.contracts.SchedulePhase;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.model.CheckpointException;
import dev.cpt.model.CheckpointInfo;
import dev.cpt.model.DataParallel;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.MicroBatchResult;
import dev.cpt.model.NonFiniteWeightsException;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.Precision;
import dev.cpt.model.TrainStepResult;
import dev.cpt.service.CheckpointStore;
import dev.cpt.trainer.schedule.LearningRateSchedule;
import dev.cpt.trainer.schedule.PhaseClock;
import io.quarkus.logging.Log;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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
    private long step;
    private final Map<String, Long> tokensPerDomain;
    private final Map<String, ConsumedOffset> offsets;
    private final boolean resumed;
    private final PhaseClock phases;
    private double learningRateScale = 1.0;
    private double lastLearningRate = Double.NaN;
    private final OptimizerSettings optimizer;
    private final int accumulationSteps;
    // Micro-batches whose gradients wait for the next optimizer step, in the order they came.
    private final List<MicroBatch> pending = new ArrayList<>();
    private long pendingNanos;

    /** A batch message whose gradients have been accumulated: where it leaves its partition, and its losses. */
    record MicroBatch(TrainingBatch batch, ConsumedOffset position, MicroBatchResult result) {}

    /**
     * What one optimizer step did: the model's step result, the loss and tokens of each domain over all its
     * micro-batches, the micro-batches themselves, and the time spent training them (forward, backward and update).
     */
    record StepOutcome(
            TrainStepResult result,
            double learningRate,
            Map<String, Double> lossPerDomain,
            Map<String, Long> tokensPerDomain,
            List<MicroBatch> microBatches,
            Duration trainingTime) {

        long tokens() {
            return tokensPerDomain.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private TrainingRun(
            String runId,
            Path runDir,
            LanguageModel model,
            long step,
            Map<String, Long> tokens,
            List<ConsumedOffset> offsets,
            boolean resumed,
            PhaseClock phases,
            OptimizerSettings optimizer,
            int accumulationSteps,
            DataParallel replicas) {
        this.optimizer = optimizer;
        this.replicas = replicas;
        this.accumulationSteps = accumulationSteps;
        this.resumed = resumed;
        this.phases = phases;
        this.runId = runId;
        this.runDir = runDir;
        this.model = model;
        this.step = step;
        this.tokensPerDomain = new TreeMap<>(tokens);
        this.offsets = new TreeMap<>();
        offsets.forEach(o -> this.offsets.put(o.topic() + "/" + o.partition(), o));
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
                TrainingRun run = new TrainingRun(
                        config.runId(),
                        runDir,
                        model,
                        state.step(),
                        state.tokensPerDomain(),
                        state.offsets() == null ? List.of() : state.offsets(),
                        true,
                        new PhaseClock(config.schedule().rewarmOnNewDomain(), state.phaseOrInitial()),
                        optimizer,
                        config.gradientAccumulationSteps(),
                        replicate(model, devices));
                run.learningRateScale = state.learningRateScaleOrOne();
                return run;
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
        return new TrainingRun(
                config.runId(),
                runDir,
                initial,
                0,
                Map.of(),
                List.of(),
                false,
                new PhaseClock(config.schedule().rewarmOnNewDomain(), SchedulePhase.initial()),
                optimizer,
                config.gradientAccumulationSteps(),
                replicate(initial, devices));
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

    /** The rate of the next step; micro-batches that bring a new domain may open a new phase first. */
    private double learningRateFor(Set<String> domains, LearningRateSchedule schedule) {
        if (phases.beforeStep(step, domains)) {
            Log.infof(
                    "run %s: phase %d starts at step %d (new domain in %s)",
                    runId, phases.state().phase(), step, domains);
        }
        return phases.learningRate(schedule, step) * learningRateScale;
    }

    double learningRateScale() {
        return learningRateScale;
    }

    /** Lowers (or raises) every later learning rate of the run; kept in the checkpoints from now on. */
    void scaleLearningRate(double scale) {
        this.learningRateScale = scale;
    }

    PhaseClock phases() {
        return phases;
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
     * gradient-accumulation-steps}: returns that step's outcome, or nothing while the step is still accumulating.
     */
    Optional<StepOutcome> train(TrainingBatch batch, ConsumedOffset position, LearningRateSchedule schedule) {
        long started = System.nanoTime();
        // Checked before the gradients: a batch the model refuses is no part of any step.
        BatchFit.checkTokenizer(batch, model.tokenizer().fingerprint());
        BatchFit.check(batch, model.decoderConfig());
        int[][] rows = rowsOf(batch);
        pending.add(new MicroBatch(batch, position, replicas.accumulateGradients(rows)));
        pendingNanos += System.nanoTime() - started;
        return pending.size() < accumulationSteps ? Optional.empty() : Optional.of(step(schedule));
    }

    /** The optimizer step on the accumulated micro-batches; their offsets, tokens and domains enter the run with it. */
    private StepOutcome step(LearningRateSchedule schedule) {
        long started = System.nanoTime();
        Set<String> domains = new TreeSet<>();
        pending.forEach(m -> m.batch().sequences().forEach(s -> domains.add(s.domain())));
        OptimizerSettings settings = optimizer.withLearningRate(learningRateFor(domains, schedule));
        lastLearningRate = settings.learningRate();
        TrainStepResult result = replicas.applyGradients(settings);
        pending.forEach(m -> advance(offsets, m.position()));

        Map<String, Long> stepTokens = new TreeMap<>();
        Map<String, double[]> lossSums = new HashMap<>(); // domain -> {loss * targets, targets}
        for (MicroBatch m : pending) {
            List<PackedSequence> sequences = m.batch().sequences();
            double[] rowLosses = m.result().rowLosses();
            for (int i = 0; i < sequences.size(); i++) {
                String domain = sequences.get(i).domain();
                int length = sequences.get(i).tokens().length;
                stepTokens.merge(domain, (long) length, Long::sum);
                double[] sum = lossSums.computeIfAbsent(domain, d -> new double[2]);
                sum[0] += rowLosses[i] * (length - 1);
                sum[1] += length - 1;
            }
        }
        Map<String, Double> lossPerDomain = new TreeMap<>();
        lossSums.forEach((d, sum) -> lossPerDomain.put(d, sum[0] / sum[1]));
        if (result.applied()) {
            step++;
            stepTokens.forEach((d, n) -> tokensPerDomain.merge(d, n, Long::sum));
        }
        Duration took = Duration.ofNanos(pendingNanos + System.nanoTime() - started);
        StepOutcome outcome =
                new StepOutcome(result, settings.learningRate(), lossPerDomain, stepTokens, List.copyOf(pending), took);
        pending.clear();
        pendingNanos = 0;
        return outcome;
    }

    static int[][] rowsOf(TrainingBatch batch) {
        return batch.sequences().stream().map(PackedSequence::tokens).toArray(int[][]::new);
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
        Path dir = store.checkpointDir(runId, step);
        // A directory of this name can only be left over from before a crash that came before LATEST moved to it:
        // it was never announced, and the weights now are the ones that count.
        FileTrees.delete(dir);
        var state = new RunMetadata(
                runId, step, tokensPerDomain, new ArrayList<>(offsets.values()), phases.state(), learningRateScale);
        try {
            CheckpointInfo info = model.save(dir, state.toMetadata());
            pointLatestAt(runDir, dir);
            SchedulePhase phase = phases.state();
            var schedule = new CheckpointEvent.ScheduleState(
                    scheduleKind,
                    phase.phase(),
                    phase.phaseStartStep(),
                    phase.cooldownStartStep(),
                    lastLearningRate,
                    learningRateScale);
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
        return tokensPerDomain.values().stream().mapToLong(Long::longValue).sum();
    }

    long step() {
        return step;
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

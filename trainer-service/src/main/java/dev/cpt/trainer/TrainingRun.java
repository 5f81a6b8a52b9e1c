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
import dev.cpt.model.LanguageModel;
import dev.cpt.model.NonFiniteWeightsException;
import dev.cpt.model.OptimizerSettings;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One training run: the model, how far it has got, and the Kafka offsets its weights have consumed.
 * A run resumes from its latest checkpoint ({@code <store>/<run>/LATEST} names it); the checkpoint's manifest
 * holds the run state, so weights and progress can never disagree.
 */
final class TrainingRun implements AutoCloseable {
    static final String LATEST = "LATEST";

    private final String runId;
    private final Path runDir;
    private final LanguageModel model;
    private long step;
    private final Map<String, Long> tokensPerDomain;
    private final Map<String, ConsumedOffset> offsets;
    private final boolean resumed;
    private final PhaseClock phases;
    private double learningRateScale = 1.0;
    private double lastLearningRate = Double.NaN;

    /** What one batch did: the model's step result, and the loss and tokens of each domain in it. */
    record StepOutcome(
            TrainStepResult result,
            double learningRate,
            Map<String, Double> lossPerDomain,
            Map<String, Long> tokensPerDomain) {}

    private TrainingRun(
            String runId,
            Path runDir,
            LanguageModel model,
            long step,
            Map<String, Long> tokens,
            List<ConsumedOffset> offsets,
            boolean resumed,
            PhaseClock phases) {
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

    static TrainingRun resumeOrStart(CheckpointStore store, TrainerConfig config) {
        Path runDir = store.root().resolve(config.runId());
        Path latest = runDir.resolve(LATEST);
        if (Files.isRegularFile(latest)) {
            Path dir = runDir.resolve(read(latest).strip());
            try {
                Loaded loaded = latestFinite(runDir, dir, device(config));
                dir = loaded.dir();
                LanguageModel model = loaded.model();
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
                        new PhaseClock(config.schedule().rewarmOnNewDomain(), state.phaseOrInitial()));
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
            initial = BaseModel.load(base, device(config));
            Log.infof("run %s starts from the base model in %s, on %s", config.runId(), base, initial.device());
        } else {
            initial = LanguageModel.create(config.model().decoderConfig(), config.seed(), device(config));
            Log.infof(
                    "run %s starts from scratch with the %s model, on %s",
                    config.runId(), config.model(), initial.device());
        }
        return new TrainingRun(
                config.runId(),
                runDir,
                initial,
                0,
                Map.of(),
                List.of(),
                false,
                new PhaseClock(config.schedule().rewarmOnNewDomain(), SchedulePhase.initial()));
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
        ConsumedOffset seen = offsets.get(position.topic() + "/" + position.partition());
        return seen != null && position.nextOffset() <= seen.nextOffset();
    }

    /** The position a record leaves its partition at: the offset after it, the next one to read. */
    static ConsumedOffset positionAfter(ConsumerRecord<?, ?> record) {
        return new ConsumedOffset(record.topic(), record.partition(), record.offset() + 1);
    }

    /** Where to resume reading each partition: exactly after the last record these weights have consumed. */
    List<ConsumedOffset> positions() {
        return List.copyOf(offsets.values());
    }

    /** The rate of the next step; a batch that brings a new domain may open a new phase first. */
    private double learningRateFor(TrainingBatch batch, LearningRateSchedule schedule) {
        Set<String> domains = new TreeSet<>();
        batch.sequences().forEach(s -> domains.add(s.domain()));
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

    /** Where this run's model lives. */
    Device modelDevice() {
        return model.device();
    }

    StepOutcome train(TrainingBatch batch, ConsumedOffset position, LearningRateSchedule schedule) {
        // Checked before the schedule sees its domains: a batch the model refuses opens no phase.
        BatchFit.checkTokenizer(batch, model.tokenizer().fingerprint());
        BatchFit.check(batch, model.decoderConfig());
        OptimizerSettings settings = OptimizerSettings.defaults().withLearningRate(learningRateFor(batch, schedule));
        lastLearningRate = settings.learningRate();
        int[][] rows = batch.sequences().stream().map(PackedSequence::tokens).toArray(int[][]::new);
        TrainStepResult result = model.trainStep(rows, settings);
        offsets.put(position.topic() + "/" + position.partition(), position);

        Map<String, Long> batchTokens = new TreeMap<>();
        Map<String, double[]> lossSums = new HashMap<>(); // domain -> {loss * targets, targets}
        for (int i = 0; i < rows.length; i++) {
            String domain = batch.sequences().get(i).domain();
            int targets = rows[i].length - 1;
            batchTokens.merge(domain, (long) rows[i].length, Long::sum);
            double[] sum = lossSums.computeIfAbsent(domain, d -> new double[2]);
            sum[0] += result.rowLosses()[i] * targets;
            sum[1] += targets;
        }
        Map<String, Double> lossPerDomain = new TreeMap<>();
        lossSums.forEach((d, s) -> lossPerDomain.put(d, s[0] / s[1]));
        if (result.applied()) {
            step++;
            batchTokens.forEach((d, n) -> tokensPerDomain.merge(d, n, Long::sum));
        }
        return new StepOutcome(result, settings.learningRate(), lossPerDomain, batchTokens);
    }

    /** Writes a checkpoint, moves LATEST to it, and returns its claim check; only then may it be announced. */
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

package dev.cpt.training;

import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.SchedulePhase;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.model.DataParallel;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.MicroBatchResult;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.TrainStepResult;
import dev.cpt.training.schedule.LearningRateSchedule;
import dev.cpt.training.schedule.PhaseClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The trainer's optimizer step: each batch is a micro-batch whose gradients accumulate on the replicas, and every
 * {@code accumulationSteps} of them one AdamW step applies them at the schedule's rate for the run's phase. The step
 * count and the tokens per domain move only with an applied step, so a caller that checkpoints between steps holds
 * exactly the batches whose gradients are in the weights. Not thread-safe: one caller drives it.
 */
public final class OptimizerSteps {
    private final DataParallel replicas;
    private final OptimizerSettings optimizer;
    private final int accumulationSteps;
    private final PhaseClock phases;
    private final Map<String, Long> tokensPerDomain;
    private long step;
    private double learningRateScale = 1.0;
    private double lastLearningRate = Double.NaN;
    private PhaseStartListener phaseStarts = (phase, domains) -> {};
    // Micro-batches whose gradients wait for the next optimizer step, in the order they came.
    private final List<MicroBatch> pending = new ArrayList<>();
    private long pendingNanos;

    private record MicroBatch(TrainingBatch batch, MicroBatchResult result) {}

    /** Told when a step's micro-batches bring a domain the run has not trained on and open a new phase. */
    @FunctionalInterface
    public interface PhaseStartListener {
        void phaseStarted(SchedulePhase phase, Set<String> domains);
    }

    /** A run at {@code step} that has trained no tokens yet (or whose tokens are not counted). */
    public OptimizerSteps(
            DataParallel replicas, OptimizerSettings optimizer, int accumulationSteps, PhaseClock phases, long step) {
        this(replicas, optimizer, accumulationSteps, phases, step, Map.of());
    }

    /** A run resumed at {@code step} after training {@code tokensPerDomain}. */
    public OptimizerSteps(
            DataParallel replicas,
            OptimizerSettings optimizer,
            int accumulationSteps,
            PhaseClock phases,
            long step,
            Map<String, Long> tokensPerDomain) {
        if (accumulationSteps < 1) {
            throw new IllegalArgumentException("accumulation steps must be >= 1, was " + accumulationSteps);
        }
        this.replicas = replicas;
        this.optimizer = optimizer;
        this.accumulationSteps = accumulationSteps;
        this.phases = phases;
        this.step = step;
        this.tokensPerDomain = new TreeMap<>(tokensPerDomain);
    }

    /** Called from now on whenever a step opens a new phase (the trainer logs it). */
    public void onPhaseStart(PhaseStartListener listener) {
        this.phaseStarts = listener;
    }

    /**
     * Checks the batch fits (BatchFit), accumulates its gradients; takes the optimizer step when it is the
     * accumulationSteps-th pending micro-batch and returns its outcome; empty while accumulating.
     *
     * @throws BatchFit.Refused when the batch does not fit the model; no gradient of it is accumulated
     */
    public Optional<StepOutcome> train(TrainingBatch batch, LearningRateSchedule schedule) {
        long started = System.nanoTime();
        LanguageModel model = replicas.primary();
        BatchFit.checkTokenizer(batch, model.tokenizer().fingerprint());
        BatchFit.check(batch, model.decoderConfig());
        pending.add(new MicroBatch(batch, replicas.accumulateGradients(rowsOf(batch))));
        pendingNanos += System.nanoTime() - started;
        return pending.size() < accumulationSteps ? Optional.empty() : Optional.of(step(schedule));
    }

    /** The optimizer step on the accumulated micro-batches; their tokens and domains enter the run with it. */
    private StepOutcome step(LearningRateSchedule schedule) {
        long started = System.nanoTime();
        Set<String> domains = new TreeSet<>();
        pending.forEach(m -> m.batch().sequences().forEach(s -> domains.add(s.domain())));
        if (phases.beforeStep(step, domains)) {
            phaseStarts.phaseStarted(phases.state(), domains);
        }
        OptimizerSettings settings =
                optimizer.withLearningRate(phases.learningRate(schedule, step) * learningRateScale);
        lastLearningRate = settings.learningRate();
        TrainStepResult result = replicas.applyGradients(settings);

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
        List<MicroBatchResult> microBatches =
                pending.stream().map(MicroBatch::result).toList();
        pending.clear();
        pendingNanos = 0;
        return new StepOutcome(result, settings.learningRate(), lossPerDomain, stepTokens, microBatches, took);
    }

    /** A batch's sequences as the model's rows, in order. */
    public static int[][] rowsOf(TrainingBatch batch) {
        return batch.sequences().stream().map(PackedSequence::tokens).toArray(int[][]::new);
    }

    /** Optimizer steps applied so far (skipped ones do not count). */
    public long step() {
        return step;
    }

    /** Micro-batches accumulated for the next optimizer step. */
    public int pendingMicroBatches() {
        return pending.size();
    }

    /** The rate of the last step taken, applied or skipped; NaN before the first. */
    public double lastLearningRate() {
        return lastLearningRate;
    }

    public double learningRateScale() {
        return learningRateScale;
    }

    /** Multiplies every later learning rate by {@code scale} (instead of the previous scale). */
    public void scaleLearningRate(double scale) {
        this.learningRateScale = scale;
    }

    public PhaseClock phases() {
        return phases;
    }

    /** Tokens trained per domain over the applied steps, a copy. */
    public Map<String, Long> tokensPerDomain() {
        return new TreeMap<>(tokensPerDomain);
    }
}

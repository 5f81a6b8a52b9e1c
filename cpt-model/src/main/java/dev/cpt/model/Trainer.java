package dev.cpt.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.cpt.model.arch.CausalDecoder;
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.model.engine.ThreadGradients;
import dev.cpt.model.train.AdamW;
import dev.cpt.model.train.GradientNorm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Optimizer steps on a decoder: next-token cross-entropy, over one batch or accumulated over several micro-batches,
 * and the clipped policy objective, both through one guarded, clipped AdamW update. Not thread-safe, and libtorch's
 * autograd recorder is process-wide, so only one step may run in a JVM at a time.
 */
final class Trainer implements AutoCloseable {

    private final CausalDecoder decoder;
    private final Scorer scorer;
    private final Engine engine;
    private final AdamW optimizer;
    private final Pending pending = new Pending();
    // What micro-batches record their gradients with: DJL's process-wide collector, or the calling thread's own
    // recorder for a data-parallel replica, whose micro-batches run concurrently with the other replicas'.
    private Supplier<GradientCollector> gradients;

    /** What the micro-batches accumulated since the last optimizer step add up to. */
    private static final class Pending {
        int microBatches;
        long tokens;
        double lossSum; // summed token cross-entropy
        float divisor; // every micro-batch's backward divided its summed loss by this
        float lossScale; // and multiplied it by this (see Precision#lossScale)
        private final List<double[]> rowLosses = new ArrayList<>();

        void add(float[] rowSums, double[] rows, long targetTokens) {
            microBatches++;
            tokens += targetTokens;
            for (float s : rowSums) {
                lossSum += s;
            }
            rowLosses.add(rows);
        }

        double[] rowLosses() {
            return rowLosses.stream().flatMapToDouble(Arrays::stream).toArray();
        }

        void clear() {
            microBatches = 0;
            tokens = 0;
            lossSum = 0;
            rowLosses.clear();
        }

        /** Counts {@code other}'s micro-batches as this one's, and leaves {@code other} empty. */
        void takeOver(Pending other) {
            microBatches += other.microBatches;
            tokens += other.tokens;
            lossSum += other.lossSum;
            rowLosses.addAll(other.rowLosses);
            other.clear();
        }
    }

    Trainer(CausalDecoder decoder, Scorer scorer) {
        this.decoder = decoder;
        this.scorer = scorer;
        this.engine = OfflineEngine.get();
        this.optimizer = new AdamW(decoder.parameters(), decoder.manager());
        this.gradients = engine::newGradientCollector;
    }

    /** The optimizer whose moments and step a checkpoint saves and restores. */
    AdamW optimizer() {
        return optimizer;
    }

    /**
     * One AdamW step on the mean token cross-entropy of a batch (rows as for {@link Batch#forLoss}): its gradients
     * accumulated alone, then applied.
     */
    TrainStepResult trainStep(int[][] tokens, OptimizerSettings settings) {
        Objects.requireNonNull(settings, "settings");
        requireNothingPending("a one-batch step");
        accumulate(tokens);
        return applyAccumulated(settings);
    }

    /**
     * Forward and backward on one micro-batch; its gradients add to those of the micro-batches before it until
     * {@link #applyAccumulated}. libtorch sums gradients into each parameter's {@code .grad}, so the backward pass
     * takes the micro-batch's summed token loss over a divisor fixed for the whole step (the first micro-batch's token
     * count): the accumulated gradient times {@code divisor / tokens of the step} is then exactly the gradient of one
     * batch's mean loss over all the step's tokens, whatever the micro-batches' sizes. A single micro-batch divides by
     * its own token count, the mean loss, so a step of one is computed as a step without accumulation always was.
     * Under float16 the backward loss is also multiplied by {@link Precision#lossScale()}, divided out again before
     * the update.
     */
    MicroBatchResult accumulate(int[][] tokens) {
        Batch batch = scorer.lossBatch(tokens);
        if (pending.microBatches == 0) {
            pending.divisor = batch.tokenCount();
            pending.lossScale = decoder.precision().lossScale();
        }
        try (NDScope scope = new NDScope();
                NDManager step = decoder.manager().newSubManager()) {
            NDArray rowSums;
            try (GradientCollector collector = gradients.get()) {
                rowSums = scorer.rowLossSums(step, batch, true);
                // a libtorch-owned divisor: DivBackward keeps it, and DJL's div(long) would wrap a
                // Java buffer that a GC may free before backward runs (see NativeArrays)
                NDArray loss = rowSums.sum().div(NativeArrays.scalar(step, pending.divisor / pending.lossScale));
                collector.backward(loss);
            }
            float[] sums = rowSums.toFloatArray();
            double[] rowLosses = Scorer.rowMeans(sums, batch);
            pending.add(sums, rowLosses, batch.tokenCount());
            return new MicroBatchResult(Scorer.mean(sums, batch), rowLosses, batch.tokenCount());
        }
    }

    /**
     * One AdamW step on the gradients of the micro-batches accumulated since the last step, as one batch of all their
     * rows: the loss is the mean over all their target tokens, the gradient norm that of that loss's gradient, and
     * clipping applies to it once.
     */
    TrainStepResult applyAccumulated(OptimizerSettings settings) {
        Objects.requireNonNull(settings, "settings");
        if (pending.microBatches == 0) {
            throw new IllegalStateException("no micro-batch has been accumulated since the last optimizer step");
        }
        long tokens = pending.tokens;
        double meanLoss = pending.lossSum / tokens;
        double[] rowLosses = pending.rowLosses();
        double toMean = pending.divisor / (tokens * (double) pending.lossScale);
        pending.clear();
        Update update;
        try (NDScope scope = new NDScope()) { // the norm's temporaries
            update = update(meanLoss, toMean, settings);
        }
        return new TrainStepResult(
                meanLoss, rowLosses, tokens, update.gradNorm(), update.applied(), update.skippedReason());
    }

    /** A step of its own must not take up gradients accumulated for another. */
    void requireNothingPending(String what) {
        if (pending.microBatches > 0) {
            throw new IllegalStateException(pending.microBatches + " micro-batches are accumulated and not applied: "
                    + "apply them before " + what);
        }
    }

    /** Micro-batches whose gradients wait for {@link #applyAccumulated}. */
    int pendingMicroBatches() {
        return pending.microBatches;
    }

    /**
     * Lets {@link #accumulate} run on any thread concurrently with other models' (a data-parallel replica): its
     * gradients are recorded by the calling thread's own recorder instead of DJL's single process-wide one.
     */
    void recordOnCallingThread() {
        gradients = ThreadGradients::new;
    }

    /**
     * Adds the gradients {@code replica} has accumulated into this trainer's and takes over its micro-batches, which
     * leaves {@code replica} with none and zero gradients: {@link #applyAccumulated} then steps on the micro-batches of
     * both as one batch. The replica's backward passes divided by its own divisor, so its gradients are rescaled to
     * this one's ({@code replica divisor / this divisor}) before they are added; the step then multiplies the sum by
     * {@code this divisor / all tokens}, which makes it the gradient of the mean loss over every token of both.
     * {@code replica} is a model of the same shape, on any device.
     */
    void absorb(Trainer replica) {
        if (replica.pending.microBatches == 0) {
            return;
        }
        if (pending.microBatches == 0) {
            throw new IllegalStateException("a replica's gradients can only join micro-batches of this model's own");
        }
        double scale = replica.pending.divisor / (double) pending.divisor;
        Map<String, Parameter> mine = decoder.parameters();
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad();
                NDScope scope = new NDScope()) {
            for (Map.Entry<String, Parameter> e : replica.decoder.parameters().entrySet()) {
                NDArray theirs = e.getValue().getArray();
                NDArray weight = mine.get(e.getKey()).getArray();
                // moving to another device opens a sub-manager of the moved array's manager: a scratch one, so it
                // closes with the step instead of piling up under the replica's weights
                try (NDManager scratch = theirs.getManager().newSubManager();
                        NDArray sum = weight.getGradient()) {
                    NDArray grad = theirs.getGradient();
                    grad.attach(scratch);
                    NDArray here = grad.toDevice(weight.getDevice(), false);
                    sum.addi(scale == 1.0 ? here : here.mul((float) scale));
                }
            }
        }
        pending.takeOver(replica.pending);
        replica.optimizer.zeroGradients();
    }

    /**
     * One AdamW step on the clipped policy objective over the completion tokens of {@code rollouts}. The rows run in
     * groups of similar length ({@link LengthGroups}), each group's backward pass taking its share of the rows' mean,
     * so the gradients add up to those of the whole batch in one pass.
     */
    PolicyStepResult policyStep(PolicyBatch rollouts, PolicyObjective objective, OptimizerSettings settings) {
        return policyStep(rollouts, objective, settings, LengthGroups.GROUP_COST);
    }

    /** As {@link #policyStep(PolicyBatch, PolicyObjective, OptimizerSettings)}, grouping rows at {@code groupCost}. */
    PolicyStepResult policyStep(
            PolicyBatch rollouts, PolicyObjective objective, OptimizerSettings settings, int groupCost) {
        Objects.requireNonNull(settings, "settings");
        requireNothingPending("a policy step");
        if (objective.klBeta() > 0 && rollouts.refLogProbs() == null) {
            throw new IllegalArgumentException(
                    "the KL penalty (beta " + objective.klBeta() + ") needs reference log-probabilities");
        }
        float lossScale = decoder.precision().lossScale();
        PolicyObjective.Sums sums = PolicyObjective.Sums.NONE;
        try {
            for (int[] rows : LengthGroups.of(rollouts.lengths(), groupCost)) {
                double share = rows.length / (double) rollouts.rows();
                sums = sums.plus(backward(rollouts.subset(rows), objective, lossScale, share));
            }
        } catch (RuntimeException e) {
            // the groups before the failing one have added their gradients: the next step must not take them up
            optimizer.zeroGradients();
            throw e;
        }
        Update update = update(sums.loss(), 1.0 / lossScale, settings);
        return new PolicyStepResult(
                sums.loss(),
                sums.meanKl(),
                sums.clipFraction(),
                sums.meanRatio(),
                sums.truncatedFraction(),
                (long) sums.tokens(),
                update.gradNorm(),
                update.applied(),
                update.skippedReason());
    }

    /**
     * The policy objective's backward pass over {@code rollouts}, whose mean loss counts {@code share} of the step's:
     * its gradients add to the parameters', and its loss (times {@code share}) and statistics come back as sums.
     */
    private PolicyObjective.Sums backward(
            PolicyBatch rollouts, PolicyObjective objective, float lossScale, double share) {
        boolean kl = objective.klBeta() > 0;
        Batch batch = scorer.lossBatch(rollouts.sequences());
        int rows = batch.rows();
        int width = batch.width();
        float[] mask = new float[rows * width];
        float[] old = new float[rows * width];
        float[] ref = new float[rows * width];
        boolean weighted = rollouts.importanceWeights() != null;
        float[] weights = new float[weighted ? rows * width : 0];
        boolean[] behaviourRows = rollouts.behaviourRows();
        // 1 on the tokens of rows whose pi_old this pass supplies
        float[] behaviour = new float[behaviourRows != null ? rows * width : 0];
        float[] adv = new float[rows];
        for (int r = 0; r < rows; r++) {
            // completion token j is target position prompt.length - 1 + j
            int first = rollouts.prompts()[r].length - 1;
            for (int j = 0; j < rollouts.completions()[r].length; j++) {
                mask[r * width + first + j] = 1f;
                old[r * width + first + j] = rollouts.oldLogProbs()[r][j];
                ref[r * width + first + j] = kl ? rollouts.refLogProbs()[r][j] : 0f;
                if (weighted) {
                    weights[r * width + first + j] = rollouts.importanceWeights()[r][j];
                }
                if (behaviourRows != null && behaviourRows[r]) {
                    behaviour[r * width + first + j] = 1f;
                }
            }
            adv[r] = (float) rollouts.advantages()[r];
        }
        try (NDScope scope = new NDScope();
                NDManager step = decoder.manager().newSubManager()) {
            Shape shape = new Shape(rows, width);
            NDArray oldArr = NativeArrays.create(step, old, shape);
            NDArray refArr = kl ? NativeArrays.create(step, ref, shape) : null;
            NDArray advArr = NativeArrays.create(step, adv, new Shape(rows, 1));
            NDArray maskArr = NativeArrays.create(step, mask, shape);
            NDArray weightArr = weighted ? NativeArrays.create(step, weights, shape) : null;
            PolicyObjective.Terms terms;
            NDArray truncated = null;
            try (GradientCollector collector = engine.newGradientCollector()) {
                // at the rollouts' sampling temperature, as their old and reference log-probabilities were taken
                NDArray newLogProbs = scorer.targetLogProbs(step, batch, true, rollouts.temperature());
                if (behaviourRows != null) {
                    // pi_old of the behaviour rows is this very pass, detached: the policy before this update
                    NDArray behaviourMask = NativeArrays.create(step, behaviour, shape);
                    NDArray others = behaviourMask.neg().add(NativeArrays.scalar(step, 1f));
                    NDArray proximal = newLogProbs.stopGradient();
                    NDArray cap = NativeArrays.scalar(step, (float) rollouts.importanceCap());
                    // min(pi_old / mu, C): mu's log-probabilities are in oldArr for these rows
                    NDArray capped = proximal.sub(oldArr).exp().minimum(cap);
                    truncated = capped.gte(cap).toType(DataType.FLOAT32, false).mul(behaviourMask);
                    weightArr = capped.mul(behaviourMask).add(others);
                    oldArr = proximal.mul(behaviourMask).add(oldArr.mul(others));
                }
                terms = objective.terms(step, newLogProbs, oldArr, refArr, advArr, weightArr, maskArr);
                collector.backward(terms.loss().mul(NativeArrays.scalar(step, (float) (share * lossScale))));
            }
            try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad()) {
                return PolicyObjective.Sums.of(terms, share, truncated);
            }
        }
    }

    /** What {@link #update} did: the gradient norm before clipping (NaN when not computed) and why it skipped. */
    private record Update(double gradNorm, String skippedReason) {
        boolean applied() {
            return skippedReason == null;
        }
    }

    /**
     * Applies the accumulated gradients times {@code toMean} (which makes them the gradient of the step's mean loss),
     * clipped to {@code settings.maxGradNorm()} by global norm, unless the loss or the gradient norm is NaN/Inf: then
     * weights, moments and step count stay as they were and the gradients are dropped.
     */
    private Update update(double loss, double toMean, OptimizerSettings settings) {
        if (!Double.isFinite(loss)) {
            optimizer.zeroGradients();
            return new Update(Double.NaN, "loss is " + loss);
        }
        double gradNorm = GradientNorm.of(decoder.parameters().values()) * toMean;
        if (!Double.isFinite(gradNorm)) {
            optimizer.zeroGradients();
            return new Update(gradNorm, "gradient norm is " + gradNorm + " (NaN or Inf in the gradients)");
        }
        optimizer.update(settings, toMean * GradientNorm.clipFactor(gradNorm, settings.maxGradNorm()));
        return new Update(gradNorm, null);
    }

    /** Number of optimizer updates applied so far. */
    long optimizerStep() {
        return optimizer.step();
    }

    @Override
    public void close() {
        optimizer.close();
    }
}

package dev.cpt.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.cpt.model.arch.CausalDecoder;
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.engine.OfflineEngine;
import dev.cpt.model.train.AdamW;
import dev.cpt.model.train.GradientNorm;
import java.util.Objects;

/**
 * Optimizer steps on a decoder: next-token cross-entropy and the clipped policy objective, both through one guarded,
 * clipped AdamW update. Not thread-safe, and libtorch's autograd recorder is process-wide, so only one step may run
 * in a JVM at a time.
 */
final class Trainer implements AutoCloseable {

    private final CausalDecoder decoder;
    private final Scorer scorer;
    private final Engine engine;
    private final AdamW optimizer;

    Trainer(CausalDecoder decoder, Scorer scorer) {
        this.decoder = decoder;
        this.scorer = scorer;
        this.engine = OfflineEngine.get();
        this.optimizer = new AdamW(decoder.parameters(), decoder.manager());
    }

    /** The optimizer whose moments and step a checkpoint saves and restores. */
    AdamW optimizer() {
        return optimizer;
    }

    /** One AdamW step on the mean token cross-entropy of a batch (rows as for {@link Batch#forLoss}). */
    TrainStepResult trainStep(int[][] tokens, OptimizerSettings settings) {
        Objects.requireNonNull(settings, "settings");
        Batch batch = scorer.lossBatch(tokens);
        try (NDScope scope = new NDScope();
                NDManager step = decoder.manager().newSubManager()) {
            NDArray rowSums;
            try (GradientCollector collector = engine.newGradientCollector()) {
                rowSums = scorer.rowLossSums(step, batch, true);
                // a libtorch-owned divisor: DivBackward keeps it, and DJL's div(long) would wrap a
                // Java buffer that a GC may free before backward runs (see NativeArrays)
                NDArray loss = rowSums.sum().div(NativeArrays.scalar(step, batch.tokenCount()));
                collector.backward(loss);
            }
            float[] sums = rowSums.toFloatArray();
            double meanLoss = Scorer.mean(sums, batch);
            Update update = update(meanLoss, settings);
            return new TrainStepResult(
                    meanLoss,
                    Scorer.rowMeans(sums, batch),
                    batch.tokenCount(),
                    update.gradNorm(),
                    update.applied(),
                    update.skippedReason());
        }
    }

    /** One AdamW step on the clipped policy objective over the completion tokens of {@code rollouts}. */
    PolicyStepResult policyStep(PolicyBatch rollouts, PolicyObjective objective, OptimizerSettings settings) {
        Objects.requireNonNull(settings, "settings");
        boolean kl = objective.klBeta() > 0;
        if (kl && rollouts.refLogProbs() == null) {
            throw new IllegalArgumentException(
                    "the KL penalty (beta " + objective.klBeta() + ") needs reference log-probabilities");
        }
        Batch batch = scorer.lossBatch(rollouts.sequences());
        int rows = batch.rows();
        int width = batch.width();
        float[] mask = new float[rows * width];
        float[] old = new float[rows * width];
        float[] ref = new float[rows * width];
        float[] adv = new float[rows];
        long tokens = 0;
        for (int r = 0; r < rows; r++) {
            // completion token j is target position prompt.length - 1 + j
            int first = rollouts.prompts()[r].length - 1;
            for (int j = 0; j < rollouts.completions()[r].length; j++) {
                mask[r * width + first + j] = 1f;
                old[r * width + first + j] = rollouts.oldLogProbs()[r][j];
                ref[r * width + first + j] = kl ? rollouts.refLogProbs()[r][j] : 0f;
                tokens++;
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
            PolicyObjective.Terms terms;
            try (GradientCollector collector = engine.newGradientCollector()) {
                // at the rollouts' sampling temperature, as their old and reference log-probabilities were taken
                NDArray newLogProbs = scorer.targetLogProbs(step, batch, true, rollouts.temperature());
                terms = objective.terms(step, newLogProbs, oldArr, refArr, advArr, maskArr);
                collector.backward(terms.loss());
            }
            double loss = terms.loss().getFloat();
            double[] stats;
            try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad()) {
                stats = PolicyObjective.statistics(terms);
            }
            Update update = update(loss, settings);
            return new PolicyStepResult(
                    loss,
                    stats[0],
                    stats[1],
                    stats[2],
                    tokens,
                    update.gradNorm(),
                    update.applied(),
                    update.skippedReason());
        }
    }

    /** What {@link #update} did: the gradient norm before clipping (NaN when not computed) and why it skipped. */
    private record Update(double gradNorm, String skippedReason) {
        boolean applied() {
            return skippedReason == null;
        }
    }

    /**
     * Applies the accumulated gradients, clipped to {@code settings.maxGradNorm()} by global norm, unless the loss or
     * the gradient norm is NaN/Inf: then weights, moments and step count stay as they were and the gradients are
     * dropped.
     */
    private Update update(double loss, OptimizerSettings settings) {
        if (!Double.isFinite(loss)) {
            optimizer.zeroGradients();
            return new Update(Double.NaN, "loss is " + loss);
        }
        double gradNorm = GradientNorm.of(decoder.parameters().values());
        if (!Double.isFinite(gradNorm)) {
            optimizer.zeroGradients();
            return new Update(gradNorm, "gradient norm is " + gradNorm + " (NaN or Inf in the gradients)");
        }
        optimizer.update(settings, GradientNorm.clipFactor(gradNorm, settings.maxGradNorm()));
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

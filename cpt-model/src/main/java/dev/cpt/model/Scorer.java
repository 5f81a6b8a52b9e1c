package dev.cpt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.cpt.model.arch.CausalDecoder;
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.engine.OfflineEngine;

/**
 * Token log-probabilities and losses of a decoder: the differentiable terms the training steps build on, and the
 * no-gradient scores (losses, logits, completion log-probabilities) callers evaluate with. Not thread-safe.
 */
final class Scorer {

    private final CausalDecoder decoder;

    Scorer(CausalDecoder decoder) {
        this.decoder = decoder;
    }

    /** Per-row mean cross-entropy without gradients; rows as for {@link Batch#forLoss}. */
    double[] sequenceLosses(int[][] tokens) {
        Batch batch = lossBatch(tokens);
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad();
                NDScope scope = new NDScope();
                NDManager step = decoder.manager().newSubManager()) {
            return rowMeans(rowLossSums(step, batch, false).toFloatArray(), batch);
        }
    }

    /** Logits for every position of every row: result[row][position][vocab]. Rows: 1..contextLength. */
    float[][][] logits(int[][] tokens) {
        Batch batch = Batch.forInputs(tokens, decoder.contextLength(), decoder.vocabSize());
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad();
                NDScope scope = new NDScope();
                NDManager step = decoder.manager().newSubManager()) {
            NDArray ids = NativeArrays.create(step, batch.inputs(), new Shape(batch.rows(), batch.width()));
            float[] flat = decoder.logits(ids, false).toFloatArray();
            int v = decoder.vocabSize();
            float[][][] out = new float[batch.rows()][][];
            for (int r = 0; r < batch.rows(); r++) {
                out[r] = new float[batch.targetCounts()[r]][v];
                for (int t = 0; t < out[r].length; t++) {
                    System.arraycopy(flat, (r * batch.width() + t) * v, out[r][t], 0, v);
                }
            }
            return out;
        }
    }

    /**
     * Log-probability of every completion token given its prompt and the completion before it, under the softmax of
     * the logits divided by {@code temperature}; one pass per group of rows of similar length ({@link LengthGroups}).
     */
    float[][] completionLogProbs(int[][] prompts, int[][] completions, double temperature) {
        if (prompts.length != completions.length) {
            throw new IllegalArgumentException(prompts.length + " prompts but " + completions.length + " completions");
        }
        PolicyBatch all =
                new PolicyBatch(prompts, completions, emptyLike(completions), null, new double[prompts.length]);
        float[][] out = new float[prompts.length][];
        for (int[] rows : LengthGroups.of(all.lengths(), LengthGroups.GROUP_COST)) {
            float[][] part = completionLogProbs(all.subset(rows), temperature);
            for (int i = 0; i < rows.length; i++) {
                out[rows[i]] = part[i];
            }
        }
        return out;
    }

    private float[][] completionLogProbs(PolicyBatch rows, double temperature) {
        Batch batch = lossBatch(rows.sequences());
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad();
                NDScope scope = new NDScope();
                NDManager step = decoder.manager().newSubManager()) {
            float[] flat = targetLogProbs(step, batch, false, temperature).toFloatArray();
            float[][] out = new float[rows.rows()][];
            for (int r = 0; r < out.length; r++) {
                out[r] = new float[rows.completions()[r].length];
                System.arraycopy(flat, r * batch.width() + rows.prompts()[r].length - 1, out[r], 0, out[r].length);
            }
            return out;
        }
    }

    /** Rows of 2..contextLength+1 ids as inputs and next-token targets, checked against the decoder. */
    Batch lossBatch(int[][] tokens) {
        return Batch.forLoss(tokens, decoder.contextLength(), decoder.vocabSize());
    }

    /** Sum of the masked token cross-entropies of each row, shape [B]. */
    NDArray rowLossSums(NDManager step, Batch batch, boolean training) {
        NDArray mask = NativeArrays.create(step, batch.mask(), new Shape(batch.rows(), batch.width()));
        // padding positions contribute exactly zero
        return targetLogProbs(step, batch, training, 1.0).mul(mask).neg().sum(new int[] {1});
    }

    /**
     * Log-probability of each target token under the softmax of the logits divided by {@code temperature}, shape [B,
     * T] (padding positions hold arbitrary values).
     */
    NDArray targetLogProbs(NDManager step, Batch batch, boolean training, double temperature) {
        requirePositive(temperature);
        Shape shape = new Shape(batch.rows(), batch.width());
        // libtorch-owned copies: autograd saves the embedding and gather indices (and callers' mask
        // factors) for the backward pass, so they must not depend on a Java buffer's lifetime
        NDArray ids = NativeArrays.create(step, batch.inputs(), shape);
        NDArray targets = NativeArrays.create(step, batch.targets(), shape);
        NDArray logits = decoder.logits(ids, training);
        if (temperature != 1.0) {
            // the float the native sampler divides by; libtorch-owned, as DivBackward keeps it (see NativeArrays)
            logits = logits.div(NativeArrays.scalar(step, (float) temperature));
        }
        // log-probabilities over the vocabulary [B, T, V]
        NDArray logProbs = logits.logSoftmax(2);
        // log-probability of each target [B, T]
        return logProbs.gather(targets.expandDims(2), 2).squeeze(2);
    }

    /** Each row's mean loss from its loss sum. */
    static double[] rowMeans(float[] sums, Batch b) {
        double[] out = new double[sums.length];
        for (int i = 0; i < sums.length; i++) {
            out[i] = sums[i] / b.targetCounts()[i];
        }
        return out;
    }

    /** The batch's mean loss over all real target tokens. */
    static double mean(float[] sums, Batch b) {
        double total = 0;
        for (float s : sums) {
            total += s;
        }
        return total / b.tokenCount();
    }

    static void requirePositive(double temperature) {
        if (!(temperature > 0 && Double.isFinite(temperature))) {
            throw new IllegalArgumentException(
                    "log-probabilities need a finite temperature > 0 (greedy picks have none), got " + temperature);
        }
    }

    private static float[][] emptyLike(int[][] rows) {
        float[][] out = new float[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            out[r] = new float[rows[r].length];
        }
        return out;
    }
}

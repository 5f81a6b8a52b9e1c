package dev.cpt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cpt.model.engine.NativeArrays;
import dev.cpt.model.engine.OfflineEngine;

/**
 * The GRPO objective (DeepSeekMath): per completion token, the PPO clipped surrogate
 * {@code min(r A, clip(r, 1 - eps, 1 + eps) A)} with {@code r = pi / pi_old}, minus {@code beta} times the k3
 * estimate of KL(pi || pi_ref), {@code exp(ref - new) - (ref - new) - 1}, which is >= 0 and exactly 0 where the policy
 * equals the reference. Each row's tokens are averaged, then the rows; the loss is the negated result.
 *
 * <p>Rollouts sampled by an older behaviour policy mu (asynchronous GRPO) take the decoupled PPO form with a truncated
 * importance weight, as veRL's and OpenRLHF's truncated importance sampling: the surrogate's ratio is taken against the
 * proximal policy pi_old (the policy before this step's update) and multiplied by the constant
 * {@code w = min(pi_old / mu, C)} per token, {@code w * min(r A, clip(r, 1 - eps, 1 + eps) A)}. Rollouts of pi_old itself
 * have w = 1 and the plain objective above.
 *
 * @param clipEpsilon the PPO clip range, in (0, 1)
 * @param klBeta weight of the KL penalty, >= 0; 0 switches it off (no reference log-probabilities needed)
 */
public record PolicyObjective(double clipEpsilon, double klBeta) {

    public PolicyObjective {
        if (!(clipEpsilon > 0 && clipEpsilon < 1)) {
            throw new IllegalArgumentException("clipEpsilon must be in (0, 1), got " + clipEpsilon);
        }
        if (!(klBeta >= 0 && Double.isFinite(klBeta))) {
            throw new IllegalArgumentException("klBeta must be a finite number >= 0, got " + klBeta);
        }
    }

    /** The loss and its statistics; every input is [rows, width], padding excluded by {@code mask}. */
    record Terms(NDArray loss, NDArray kl, NDArray clipped, NDArray ratio, NDArray mask) {}

    /**
     * @param newLogProbs log pi of each target token, recorded by autograd when training
     * @param oldLogProbs log pi_old, constant
     * @param refLogProbs log pi_ref, constant; ignored when beta is 0
     * @param advantages one per row, shape [rows, 1]
     * @param weights the truncated importance weights, constant; null for 1 everywhere
     * @param mask 1 on completion tokens, 0 elsewhere
     */
    Terms terms(
            NDManager m,
            NDArray newLogProbs,
            NDArray oldLogProbs,
            NDArray refLogProbs,
            NDArray advantages,
            NDArray weights,
            NDArray mask) {
        // r = pi / pi_old
        NDArray ratio = newLogProbs.sub(oldLogProbs).exp();
        // the PPO surrogate: the pessimistic one of the unclipped and clipped ratio times the advantage
        NDArray unclipped = ratio.mul(advantages);
        // not ratio.clip(lo, hi): DJL's clip wraps its bounds in Java-owned scalars that ClampBackward keeps and a GC
        // may free before backward runs (see NativeArrays); min/max against libtorch-owned scalars is the same clamp
        NDArray clippedRatio = ratio.minimum(NativeArrays.scalar(m, (float) (1 + clipEpsilon)))
                .maximum(NativeArrays.scalar(m, (float) (1 - clipEpsilon)));
        NDArray surrogate = unclipped.minimum(clippedRatio.mul(advantages));
        if (weights != null) {
            surrogate = surrogate.mul(weights);
        }
        NDArray perToken = surrogate;
        NDArray kl = null;
        if (klBeta > 0) {
            // k3: exp(d) - d - 1 with d = log pi_ref - log pi
            NDArray d = refLogProbs.sub(newLogProbs);
            kl = d.exp().sub(d).sub(NativeArrays.scalar(m, 1f));
            perToken = surrogate.sub(kl.mul(NativeArrays.scalar(m, (float) klBeta)));
        }
        // mean over each row's completion tokens (an empty completion counts 1 to avoid 0/0 and adds 0)
        NDArray counts = mask.sum(new int[] {1}).maximum(NativeArrays.scalar(m, 1f));
        NDArray perRow = perToken.mul(mask).sum(new int[] {1}).div(counts);
        NDArray loss = perRow.mean().neg();
        NDArray outside = ratio.sub(NativeArrays.scalar(m, 1f)).abs().gt(NativeArrays.scalar(m, (float) clipEpsilon));
        return new Terms(loss, kl, outside, ratio, mask);
    }

    /**
     * A step's loss and the sums its statistics are means of, added up over the passes of one step: its token count,
     * and over those tokens the KL, the tokens outside the clip range, the ratio and the truncated importance weights.
     */
    record Sums(double loss, double tokens, double kl, double clipped, double ratio, double truncated) {
        static final Sums NONE = new Sums(0, 0, 0, 0, 0, 0);

        /**
         * A pass's {@code terms}, its loss counting {@code share} of the step's; {@code truncated} marks the tokens
         * whose weight was cut to the cap, or is null (one sync each, outside autograd).
         */
        static Sums of(Terms t, double share, NDArray truncated) {
            NDArray mask = t.mask();
            return new Sums(
                    share * t.loss().getFloat(),
                    mask.sum().getFloat(),
                    t.kl() == null ? 0 : t.kl().mul(mask).sum().getFloat(),
                    t.clipped().toType(DataType.FLOAT32, false).mul(mask).sum().getFloat(),
                    t.ratio().mul(mask).sum().getFloat(),
                    truncated == null ? 0 : truncated.sum().getFloat());
        }

        Sums plus(Sums o) {
            return new Sums(
                    loss + o.loss,
                    tokens + o.tokens,
                    kl + o.kl,
                    clipped + o.clipped,
                    ratio + o.ratio,
                    truncated + o.truncated);
        }

        double meanKl() {
            return tokens == 0 ? 0 : kl / tokens;
        }

        double clipFraction() {
            return tokens == 0 ? 0 : clipped / tokens;
        }

        double meanRatio() {
            return tokens == 0 ? 1 : ratio / tokens;
        }

        double truncatedFraction() {
            return tokens == 0 ? 0 : truncated / tokens;
        }
    }

    /**
     * Evaluates the objective on given per-token log-probabilities, without a model: rows of {@code newLogProbs}
     * (and the other per-token arrays) may differ in length. For tests and for checking numbers by hand.
     */
    public PolicyStepResult evaluate(
            float[][] newLogProbs, float[][] oldLogProbs, float[][] refLogProbs, double[] advantages) {
        return evaluate(newLogProbs, oldLogProbs, refLogProbs, advantages, null);
    }

    /** As {@link #evaluate(float[][], float[][], float[][], double[])} with importance weights (null: all 1). */
    public PolicyStepResult evaluate(
            float[][] newLogProbs,
            float[][] oldLogProbs,
            float[][] refLogProbs,
            double[] advantages,
            float[][] importanceWeights) {
        if (klBeta > 0 && refLogProbs == null) {
            throw new IllegalArgumentException(
                    "the KL penalty (beta " + klBeta + ") needs reference log-probabilities");
        }
        int rows = newLogProbs.length;
        int width = 1;
        for (float[] row : newLogProbs) {
            width = Math.max(width, row.length);
        }
        try (OfflineEngine.NoGrad noGrad = OfflineEngine.noGrad();
                NDManager m = OfflineEngine.get().newBaseManager()) {
            float[] mask = new float[rows * width];
            long tokens = 0;
            for (int r = 0; r < rows; r++) {
                for (int t = 0; t < newLogProbs[r].length; t++) {
                    mask[r * width + t] = 1f;
                    tokens++;
                }
            }
            Shape shape = new Shape(rows, width);
            float[] adv = new float[rows];
            for (int r = 0; r < rows; r++) {
                adv[r] = (float) advantages[r];
            }
            Terms t = terms(
                    m,
                    NativeArrays.create(m, pad(newLogProbs, width), shape),
                    NativeArrays.create(m, pad(oldLogProbs, width), shape),
                    refLogProbs == null ? null : NativeArrays.create(m, pad(refLogProbs, width), shape),
                    NativeArrays.create(m, adv, new Shape(rows, 1)),
                    importanceWeights == null ? null : NativeArrays.create(m, pad(importanceWeights, width), shape),
                    NativeArrays.create(m, mask, shape));
            Sums sums = Sums.of(t, 1, null);
            return new PolicyStepResult(
                    sums.loss(),
                    sums.meanKl(),
                    sums.clipFraction(),
                    sums.meanRatio(),
                    0,
                    tokens,
                    Double.NaN,
                    false,
                    "evaluated only");
        }
    }

    /**
     * The truncated importance weights {@code min(exp(proximal - behaviour), cap)} per token, from the log-probabilities
     * of the proximal policy (the one about to be updated) and of the behaviour policy that sampled the tokens. A token
     * whose weight equals {@code cap} was truncated.
     *
     * @param cap C, >= 1: bounds the variance a token sampled where mu was much less likely than pi_old can add
     */
    public static float[][] truncatedWeights(float[][] proximal, float[][] behaviour, double cap) {
        requireImportanceCap(cap);
        float[][] out = new float[proximal.length][];
        for (int r = 0; r < proximal.length; r++) {
            out[r] = new float[proximal[r].length];
            for (int t = 0; t < out[r].length; t++) {
                out[r][t] = (float) Math.min(Math.exp(proximal[r][t] - behaviour[r][t]), cap);
            }
        }
        return out;
    }

    static void requireImportanceCap(double cap) {
        if (!(cap >= 1 && Double.isFinite(cap))) {
            throw new IllegalArgumentException("the importance weight cap must be a finite number >= 1, got " + cap);
        }
    }

    static float[] pad(float[][] rows, int width) {
        float[] out = new float[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, out, r * width, rows[r].length);
        }
        return out;
    }
}

package dev.cpt.model;

import java.util.Arrays;

/**
 * Rollouts for one policy-gradient step: each row is a prompt, a completion sampled for it, the log-probability
 * each completion token had under the policy that sampled it, the same under the frozen reference (null when the
 * KL penalty is off), and the row's advantage. A completion may be empty; it then adds nothing to the loss.
 *
 * <p>Every log-probability, old, reference and the policy's recomputed one, is taken under the softmax of the logits
 * divided by {@code temperature}: the distribution the completions were sampled from, so the ratio is pi / pi_old of
 * that distribution. Only the temperature is applied: log-probabilities under a top-k or top-p truncation would be
 * minus infinity wherever an updated policy drops a sampled token from its truncated set, so rollouts for this batch
 * are sampled without truncation (topK 0, topP 1), and then these are exactly the sampling distribution's.
 *
 * @param prompts prompt tokens per row (at least one token)
 * @param completions completion tokens per row; prompt + completion must fit {@code contextLength + 1}
 * @param oldLogProbs per completion token: log pi_old(token), held fixed over the inner steps on these rollouts
 * @param refLogProbs per completion token: log pi_ref(token), or null when beta is 0
 * @param advantages one advantage per row, shared by all its tokens
 * @param temperature the sampling temperature of the completions, > 0
 * @param importanceWeights per completion token: a constant weight on its clipped surrogate, or null for 1 everywhere.
 *     For rollouts sampled by an older policy mu, {@code oldLogProbs} are the proximal policy's (the policy before this
 *     step) and these are the truncated ratios {@code min(pi_old / mu, C)} ({@link PolicyObjective#truncatedWeights})
 * @param behaviourRows rows sampled by an older policy mu whose {@code oldLogProbs} are mu's, or null for none: for
 *     them the step takes pi_old from its own forward pass (the policy before its update, without gradient) and weighs
 *     each token by {@code min(pi_old / mu, importanceCap)}, which spares the separate forward pass a precomputed
 *     pi_old costs. Only for a single update on the batch (a second would take pi_old from the updated policy), and
 *     not together with {@code importanceWeights}
 * @param importanceCap C of those weights, >= 1; ignored without behaviour rows
 */
public record PolicyBatch(
        int[][] prompts,
        int[][] completions,
        float[][] oldLogProbs,
        float[][] refLogProbs,
        double[] advantages,
        double temperature,
        float[][] importanceWeights,
        boolean[] behaviourRows,
        double importanceCap) {

    /** Rollouts with precomputed importance weights (null: 1 everywhere) and pi_old for every row. */
    public PolicyBatch(
            int[][] prompts,
            int[][] completions,
            float[][] oldLogProbs,
            float[][] refLogProbs,
            double[] advantages,
            double temperature,
            float[][] importanceWeights) {
        this(prompts, completions, oldLogProbs, refLogProbs, advantages, temperature, importanceWeights, null, 1.0);
    }

    /**
     * Rollouts of which {@code behaviourRows} were sampled by an older policy mu, their {@code oldLogProbs} mu's: the
     * step weighs their tokens by {@code min(pi_old / mu, importanceCap)} with pi_old from its own forward pass.
     */
    public static PolicyBatch withBehaviourRows(
            int[][] prompts,
            int[][] completions,
            float[][] oldLogProbs,
            float[][] refLogProbs,
            double[] advantages,
            double temperature,
            boolean[] behaviourRows,
            double importanceCap) {
        return new PolicyBatch(
                prompts,
                completions,
                oldLogProbs,
                refLogProbs,
                advantages,
                temperature,
                null,
                behaviourRows,
                importanceCap);
    }

    /** Rollouts of the policy being trained: every importance weight is 1. */
    public PolicyBatch(
            int[][] prompts,
            int[][] completions,
            float[][] oldLogProbs,
            float[][] refLogProbs,
            double[] advantages,
            double temperature) {
        this(prompts, completions, oldLogProbs, refLogProbs, advantages, temperature, null, null, 1.0);
    }

    /** Rollouts sampled at temperature 1. */
    public PolicyBatch(
            int[][] prompts, int[][] completions, float[][] oldLogProbs, float[][] refLogProbs, double[] advantages) {
        this(prompts, completions, oldLogProbs, refLogProbs, advantages, 1.0, null, null, 1.0);
    }

    public PolicyBatch {
        Scorer.requirePositive(temperature);
        int rows = prompts.length;
        if (rows == 0) {
            throw new IllegalArgumentException("policy batch is empty");
        }
        if (completions.length != rows
                || oldLogProbs.length != rows
                || advantages.length != rows
                || (refLogProbs != null && refLogProbs.length != rows)
                || (importanceWeights != null && importanceWeights.length != rows)
                || (behaviourRows != null && behaviourRows.length != rows)) {
            throw new IllegalArgumentException("prompts, completions, log-probabilities and advantages differ in rows");
        }
        if (behaviourRows != null) {
            if (importanceWeights != null) {
                throw new IllegalArgumentException(
                        "behaviour rows take their importance weights from the step's own pass, not precomputed ones");
            }
            PolicyObjective.requireImportanceCap(importanceCap);
        }
        for (int r = 0; r < rows; r++) {
            if (oldLogProbs[r].length != completions[r].length
                    || (refLogProbs != null && refLogProbs[r].length != completions[r].length)
                    || (importanceWeights != null && importanceWeights[r].length != completions[r].length)) {
                throw new IllegalArgumentException("row " + r + ": one log-probability per completion token is needed");
            }
            if (!Double.isFinite(advantages[r])) {
                throw new IllegalArgumentException("row " + r + ": advantage is not finite: " + advantages[r]);
            }
        }
    }

    public int rows() {
        return prompts.length;
    }

    /** The rows {@code rows} of this batch, in that order, with everything else the same. */
    PolicyBatch subset(int[] rows) {
        return new PolicyBatch(
                pick(prompts, rows),
                pick(completions, rows),
                pick(oldLogProbs, rows),
                refLogProbs == null ? null : pick(refLogProbs, rows),
                Arrays.stream(rows).mapToDouble(r -> advantages[r]).toArray(),
                temperature,
                importanceWeights == null ? null : pick(importanceWeights, rows),
                behaviourRows == null ? null : pickFlags(behaviourRows, rows),
                importanceCap);
    }

    /** Tokens of each row's prompt and completion together. */
    int[] lengths() {
        int[] out = new int[prompts.length];
        for (int r = 0; r < out.length; r++) {
            out[r] = prompts[r].length + completions[r].length;
        }
        return out;
    }

    private static <T> T[] pick(T[] all, int[] rows) {
        T[] out = Arrays.copyOf(all, rows.length);
        for (int i = 0; i < rows.length; i++) {
            out[i] = all[rows[i]];
        }
        return out;
    }

    private static boolean[] pickFlags(boolean[] all, int[] rows) {
        boolean[] out = new boolean[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = all[rows[i]];
        }
        return out;
    }

    /** prompt + completion of every row, the token sequences the model is run on. */
    int[][] sequences() {
        int[][] out = new int[prompts.length][];
        for (int r = 0; r < out.length; r++) {
            out[r] = new int[prompts[r].length + completions[r].length];
            System.arraycopy(prompts[r], 0, out[r], 0, prompts[r].length);
            System.arraycopy(completions[r], 0, out[r], prompts[r].length, completions[r].length);
        }
        return out;
    }
}

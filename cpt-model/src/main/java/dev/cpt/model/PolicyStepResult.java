package dev.cpt.model;

/**
 * Outcome of one policy-gradient step (or of evaluating the objective without a step).
 *
 * @param loss the minimised loss: -(mean over rows of the per-row token mean of (clipped surrogate - beta * KL))
 * @param meanKl mean per-token KL estimate (k3) to the reference over completion tokens; 0 when beta is 0
 * @param clipFraction share of completion tokens whose ratio lies outside [1 - eps, 1 + eps]
 * @param meanRatio mean of pi / pi_old over completion tokens (1 on the first inner step on fresh rollouts)
 * @param truncatedFraction share of completion tokens whose importance weight the step itself cut to the cap (tokens of
 *     a batch's behaviour rows, {@link PolicyBatch#behaviourRows()}); 0 without such rows
 * @param tokenCount completion tokens that counted
 * @param gradNorm global gradient L2 norm before clipping (NaN when no step was taken)
 * @param applied whether the weights were updated
 * @param skippedReason why not, or null
 */
public record PolicyStepResult(
        double loss,
        double meanKl,
        double clipFraction,
        double meanRatio,
        double truncatedFraction,
        long tokenCount,
        double gradNorm,
        boolean applied,
        String skippedReason) {}

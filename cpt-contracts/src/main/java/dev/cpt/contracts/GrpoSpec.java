package dev.cpt.contracts;

/**
 * What an operator asks of a GRPO stage (the trainer's {@code POST /grpo}). Every field may be left out (or null) and
 * then takes the default shown by {@link #withDefaults()}; the trainer checks the filled-in values against its limits
 * and answers 400 listing every problem.
 *
 * @param task arithmetic, units or mixed (the trainer's demo tasks)
 * @param prompts training prompts drawn for the stage
 * @param heldOutPrompts further prompts, never trained on, whose mean greedy reward is measured before and after
 * @param steps GRPO steps
 * @param groupSize G, completions per prompt (at least 2: a group of one has no relative advantage)
 * @param promptsPerStep groups sampled per step
 * @param innerSteps policy updates per step on the same rollouts
 * @param beta KL penalty weight (0: no reference forward pass)
 * @param clipEpsilon PPO clip range
 * @param learningRate AdamW learning rate
 * @param temperature sampling temperature of the rollouts
 * @param maxNewTokens longest completion in tokens
 * @param seed prompts, split and sampling
 * @param checkpointEverySteps a checkpoint every this many steps besides the base and the last (0: only those)
 */
public record GrpoSpec(
        String task,
        Integer prompts,
        Integer heldOutPrompts,
        Integer steps,
        Integer groupSize,
        Integer promptsPerStep,
        Integer innerSteps,
        Double beta,
        Double clipEpsilon,
        Double learningRate,
        Double temperature,
        Integer maxNewTokens,
        Long seed,
        Integer checkpointEverySteps) {

    /** A spec that leaves everything to the defaults. */
    public static GrpoSpec unset() {
        return new GrpoSpec(null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public GrpoSpec withDefaults() {
        return new GrpoSpec(
                or(task, "arithmetic"),
                or(prompts, 64),
                or(heldOutPrompts, 16),
                or(steps, 20),
                or(groupSize, 8),
                or(promptsPerStep, 4),
                or(innerSteps, 1),
                or(beta, 0.04),
                or(clipEpsilon, 0.2),
                or(learningRate, 3e-4),
                or(temperature, 1.0),
                or(maxNewTokens, 48),
                or(seed, 1L),
                or(checkpointEverySteps, 0));
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }
}

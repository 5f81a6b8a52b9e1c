package dev.cpt.contracts;

/**
 * What an operator asks of a GRPO stage (the trainer's {@code POST /grpo}). Every field may be left out (or null) and
 * then takes the default shown by {@link #withDefaults()}; the trainer checks the filled-in values against its limits
 * and answers 400 listing every problem.
 *
 * @param task arithmetic, units or mixed (the trainer's demo tasks); the default when neither {@code tasksFile} nor
 *     {@code tasksTopic} is given
 * @param prompts training prompts drawn for the stage (with the user's tasks: at most this many of the training side)
 * @param heldOutPrompts further prompts, never trained on, whose mean greedy reward is measured before and after (with
 *     the user's tasks: at most this many of the held-out side)
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
 * @param tasksFile the user's tasks: a JSONL file on the trainer's disk, one {@link GrpoTaskExample} a line
 * @param tasksTopic the user's tasks: every {@link GrpoTaskExample} on {@value GrpoTaskExample#TOPIC}, read from its
 *     beginning to its end when the stage starts
 * @param heldOutPercent with the user's tasks, the share of examples held out, chosen by a hash of each id
 * @param promptTemplate what the model sees, {@value #PROMPT_PLACEHOLDER} standing for an example's prompt
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
        Integer checkpointEverySteps,
        String tasksFile,
        Boolean tasksTopic,
        Integer heldOutPercent,
        String promptTemplate) {
    /** Where a template puts the example's prompt. */
    public static final String PROMPT_PLACEHOLDER = "{prompt}";

    /** The demo tasks' format, as the CPT documents of the demo write questions and answers. */
    public static final String DEFAULT_PROMPT_TEMPLATE = "Q: " + PROMPT_PLACEHOLDER + "\nA:";

    /** A spec that leaves everything to the defaults. */
    public static GrpoSpec unset() {
        return new GrpoSpec(
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null);
    }

    public GrpoSpec withDefaults() {
        boolean usersTasks = tasksFile != null || Boolean.TRUE.equals(tasksTopic);
        return new GrpoSpec(
                // a demo task only when the user named no tasks of their own
                usersTasks ? task : or(task, "arithmetic"),
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
                or(checkpointEverySteps, 0),
                tasksFile,
                or(tasksTopic, false),
                or(heldOutPercent, 20),
                or(promptTemplate, DEFAULT_PROMPT_TEMPLATE));
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }
}

package dev.cpt.trainer.grpo;

import java.util.ArrayList;
import java.util.List;

/**
 * What an operator asks of a GRPO stage ({@code POST /grpo}). Every field may be left out and then takes the default
 * shown by {@link #withDefaults()}; {@link #problems} lists everything wrong with the values at once.
 *
 * @param task arithmetic, units or mixed (see {@link DemoTasks})
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

    /** Upper bounds an operator may ask for; they keep one request from occupying the trainer for days. */
    public record Limits(int maxPrompts, int maxSteps, int maxGroupSize) {}

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

    /** Everything wrong with a spec whose defaults are filled in; empty when it can run. */
    public List<String> problems(Limits limits) {
        List<String> out = new ArrayList<>();
        if (!DemoTasks.NAMES.contains(task)) {
            out.add("task must be one of " + DemoTasks.NAMES + ", was '" + task + "'");
        }
        range(out, "prompts", prompts, 1, limits.maxPrompts());
        range(out, "heldOutPrompts", heldOutPrompts, 1, 1000);
        range(out, "steps", steps, 1, limits.maxSteps());
        range(out, "groupSize", groupSize, 2, limits.maxGroupSize());
        range(out, "promptsPerStep", promptsPerStep, 1, 64);
        range(out, "innerSteps", innerSteps, 1, 16);
        range(out, "maxNewTokens", maxNewTokens, 1, 4096);
        range(out, "checkpointEverySteps", checkpointEverySteps, 0, Integer.MAX_VALUE);
        if (!(beta >= 0 && beta <= 10)) {
            out.add("beta must be in [0, 10], was " + beta);
        }
        if (!(clipEpsilon > 0 && clipEpsilon < 1)) {
            out.add("clipEpsilon must be in (0, 1), was " + clipEpsilon);
        }
        if (!(learningRate > 0 && learningRate <= 1)) {
            out.add("learningRate must be in (0, 1], was " + learningRate);
        }
        if (!(temperature > 0 && temperature <= 5)) {
            out.add("temperature must be in (0, 5], was " + temperature);
        }
        if (out.isEmpty() && DemoTasks.NAMES.contains(task)) {
            try {
                DemoTasks.generate(task, prompts + heldOutPrompts, seed);
            } catch (IllegalArgumentException e) {
                out.add("prompts + heldOutPrompts: " + e.getMessage());
            }
        }
        return out;
    }

    private static void range(List<String> out, String field, int value, int min, int max) {
        if (value < min || value > max) {
            out.add(field + " must be in [" + min + ", " + max + "], was " + value);
        }
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }
}

package dev.cpt.trainer.grpo;

import dev.cpt.contracts.GrpoSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Upper bounds an operator may ask for in a {@link GrpoSpec}; they keep one request from occupying the trainer for
 * days. {@link #problems} lists everything wrong with a spec at once.
 */
public record GrpoLimits(int maxPrompts, int maxSteps, int maxGroupSize) {

    /** Everything wrong with a spec whose defaults are filled in; empty when it can run. */
    public List<String> problems(GrpoSpec spec) {
        List<String> out = new ArrayList<>();
        String task = spec.task();
        if (!DemoTasks.NAMES.contains(task)) {
            out.add("task must be one of " + DemoTasks.NAMES + ", was '" + task + "'");
        }
        range(out, "prompts", spec.prompts(), 1, maxPrompts);
        range(out, "heldOutPrompts", spec.heldOutPrompts(), 1, 1000);
        range(out, "steps", spec.steps(), 1, maxSteps);
        range(out, "groupSize", spec.groupSize(), 2, maxGroupSize);
        range(out, "promptsPerStep", spec.promptsPerStep(), 1, 64);
        range(out, "innerSteps", spec.innerSteps(), 1, 16);
        range(out, "maxNewTokens", spec.maxNewTokens(), 1, 4096);
        range(out, "checkpointEverySteps", spec.checkpointEverySteps(), 0, Integer.MAX_VALUE);
        double beta = spec.beta();
        double clipEpsilon = spec.clipEpsilon();
        double learningRate = spec.learningRate();
        double temperature = spec.temperature();
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
                DemoTasks.generate(task, spec.prompts() + spec.heldOutPrompts(), spec.seed());
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
}

package dev.cpt.trainer.grpo;

import dev.cpt.contracts.GrpoSpec;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
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
        boolean usersTasks = tasks(out, spec);
        if (!usersTasks && !DemoTasks.NAMES.contains(task)) {
            out.add("task must be one of " + DemoTasks.NAMES + ", was '" + task + "'");
        }
        range(out, "heldOutPercent", spec.heldOutPercent(), 1, 99);
        String template = spec.promptTemplate();
        if (!template.contains(GrpoSpec.PROMPT_PLACEHOLDER)) {
            out.add("promptTemplate must contain " + GrpoSpec.PROMPT_PLACEHOLDER + ", was '" + template + "'");
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
        if (out.isEmpty() && !usersTasks) {
            try {
                DemoTasks.generate(task, spec.prompts() + spec.heldOutPrompts(), spec.seed());
            } catch (IllegalArgumentException e) {
                out.add("prompts + heldOutPrompts: " + e.getMessage());
            }
        }
        return out;
    }

    /**
     * Whether the spec names the user's tasks, with a problem for each source it gets wrong: more than one source, or
     * a file that is not there to read (checked now, so the mistake is a 400, not a failed stage).
     */
    private static boolean tasks(List<String> out, GrpoSpec spec) {
        boolean topic = Boolean.TRUE.equals(spec.tasksTopic());
        String file = spec.tasksFile();
        int sources = (spec.task() != null ? 1 : 0) + (file != null ? 1 : 0) + (topic ? 1 : 0);
        if (sources > 1) {
            out.add("give one of task, tasksFile and tasksTopic, not " + sources);
        }
        if (file != null) {
            String problem = unreadable(file);
            if (problem != null) {
                out.add("tasksFile " + problem);
            }
        }
        return file != null || topic;
    }

    private static String unreadable(String file) {
        Path path;
        try {
            path = Path.of(file);
        } catch (InvalidPathException e) {
            return "is no path: " + e.getMessage();
        }
        if (file.isBlank() || !Files.exists(path)) {
            return "'" + file + "' does not exist on the trainer";
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            return "'" + file + "' is not a regular file the trainer can read";
        }
        return null;
    }

    private static void range(List<String> out, String field, int value, int min, int max) {
        if (value < min || value > max) {
            out.add(field + " must be in [" + min + ", " + max + "], was " + value);
        }
    }
}

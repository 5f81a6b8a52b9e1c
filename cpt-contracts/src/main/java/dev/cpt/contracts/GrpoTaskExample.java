package dev.cpt.contracts;

/**
 * One question of a user's GRPO task with the reference its answers are rewarded against: a line of a JSONL file
 * ({@code tasksFile} of a {@link GrpoSpec}) or a record of {@link #TOPIC} ({@code tasksTopic}), keyed by id. The id
 * names the example: it decides on which side of the held-out split the example falls, and a second example with the
 * same id in one source is refused. The trainer puts {@link #prompt()} into the stage's prompt template.
 */
public record GrpoTaskExample(String id, String prompt, String reference) implements Versioned {
    public static final String TOPIC = "cpt.grpo.tasks";

    public GrpoTaskExample {
        Require.nonBlank(id, "id");
        Require.nonBlank(prompt, "prompt");
        Require.nonBlank(reference, "reference");
    }
}

package dev.cpt.trainer.grpo;

import dev.cpt.contracts.GrpoSpec;
import dev.cpt.contracts.GrpoTaskExample;

/**
 * One question of a GRPO task with its reference explanation, and the template the model sees it in. The model sees
 * {@link #prompt()} and is expected to continue with a space, an explanation and a newline ({@link #STOP}); the
 * reward compares the explanation with {@link #reference()}.
 */
public record TaskExample(String question, String reference, String template) {
    /** Generation of an answer ends at a newline, which the demo documents put after every answer. */
    public static final char STOP = '\n';

    public TaskExample {
        if (question == null || question.isBlank() || reference == null || reference.isBlank()) {
            throw new IllegalArgumentException("a task example needs a question and a reference");
        }
        if (template == null || !template.contains(GrpoSpec.PROMPT_PLACEHOLDER)) {
            throw new IllegalArgumentException(
                    "a prompt template needs " + GrpoSpec.PROMPT_PLACEHOLDER + ", was '" + template + "'");
        }
    }

    /** In the demo's format, {@value GrpoSpec#DEFAULT_PROMPT_TEMPLATE}. */
    public TaskExample(String question, String reference) {
        this(question, reference, GrpoSpec.DEFAULT_PROMPT_TEMPLATE);
    }

    /** A user's example in {@code template}. */
    public static TaskExample of(GrpoTaskExample example, String template) {
        return new TaskExample(example.prompt(), example.reference(), template);
    }

    /** What the model is asked to continue: the question in the template. */
    public String prompt() {
        return template.replace(GrpoSpec.PROMPT_PLACEHOLDER, question);
    }

    /** Question and answer as one training document (pre-training and SFT see this). */
    public String document() {
        return prompt() + " " + reference + STOP;
    }
}

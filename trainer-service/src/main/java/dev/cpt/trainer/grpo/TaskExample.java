package dev.cpt.trainer.grpo;

/**
 * One question of a GRPO task with its one-sentence reference explanation. The model sees {@link #prompt()} and is
 * expected to continue with a space, an explanation and a newline ({@link #STOP}); the reward compares the
 * explanation with {@link #reference()}.
 */
public record TaskExample(String question, String reference) {
    /** Generation of an answer ends at a newline, which the demo documents put after every answer. */
    public static final char STOP = '\n';

    public TaskExample {
        if (question == null || question.isBlank() || reference == null || reference.isBlank()) {
            throw new IllegalArgumentException("a task example needs a question and a reference");
        }
    }

    /** What the model is asked to continue. */
    public String prompt() {
        return "Q: " + question + "\nA:";
    }

    /** Question and answer as one training document (pre-training and SFT see this). */
    public String document() {
        return prompt() + " " + reference + STOP;
    }
}

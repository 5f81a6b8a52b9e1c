package dev.cpt.model.tokenizer;

/** Text to token ids and back. Implementations are immutable and thread-safe unless noted. */
public interface Tokenizer {

    int[] encode(String text);

    String decode(int[] tokens);

    /** One more than the largest id {@link #encode} can return. */
    int vocabSize();

    /** Stable, human-readable identity (stored in checkpoints). */
    String name();
}

package dev.cpt.model.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalInt;

/** Text to token ids and back. Implementations are immutable and thread-safe unless noted. */
public interface Tokenizer {

    int[] encode(String text);

    String decode(int[] tokens);

    /** One more than the largest id {@link #encode} can return. */
    int vocabSize();

    /** Stable, human-readable identity (stored in checkpoints). */
    String name();

    /**
     * Identity of the exact vocabulary and rules: two tokenizers with the same fingerprint turn every text into the
     * same ids, so a checkpoint or a tokenized stream can be checked against the tokenizer at hand.
     */
    String fingerprint();

    /** Id of the token that begins a sequence, where the tokenizer's files name one. */
    default OptionalInt bos() {
        return OptionalInt.empty();
    }

    /** Id of the token that ends a sequence, where the tokenizer's files name one. */
    default OptionalInt eos() {
        return OptionalInt.empty();
    }

    /**
     * Refuses a tokenizer that can produce ids the model has no embedding row for. A model vocabulary larger than the
     * tokenizer's is fine (Qwen2 pads its embedding to a multiple of 128).
     *
     * @param file the tokenizer's file, named in the error
     */
    default void requireFits(int modelVocabSize, Path file) throws IOException {
        if (vocabSize() > modelVocabSize) {
            throw new IOException(
                    file + ": the tokenizer has " + vocabSize() + " ids, more than the model's vocab_size "
                            + modelVocabSize + " (ids from " + modelVocabSize + " on have no embedding row)");
        }
    }
}

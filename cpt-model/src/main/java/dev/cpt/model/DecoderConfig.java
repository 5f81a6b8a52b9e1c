package dev.cpt.model;

/**
 * The shape of a decoder, whatever its family: what scoring, training and generation need to know about any network.
 * Each family's record adds the rest, and {@code config.json}'s {@code model_type} says which family a file holds.
 */
public sealed interface DecoderConfig permits GptConfig, LlamaConfig {

    /** Hugging Face's {@code model_type} of this family, as {@code config.json} writes it. */
    String modelType();

    /** Number of token ids the embedding table holds. */
    int vocabSize();

    /** Most positions one forward pass can see. */
    int contextLength();
}

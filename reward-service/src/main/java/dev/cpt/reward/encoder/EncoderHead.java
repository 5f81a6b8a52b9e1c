package dev.cpt.reward.encoder;

/**
 * What sentence-transformers puts around a BERT: how inputs are prepared and how the token states become the
 * sentence embedding.
 *
 * @param pooling how the last layer's token states become one vector
 * @param normalize whether the pooled vector is scaled to unit L2 norm (sentence-transformers' {@code Normalize})
 * @param maxSeqLength inputs are truncated to this many tokens, {@code [CLS]} and {@code [SEP]} included
 * @param lowerCase whether texts are lower-cased before tokenizing ({@code do_lower_case}; independent of the
 *     tokenizer's own normalizer, which {@code tokenizer.json} describes)
 */
public record EncoderHead(Pooling pooling, boolean normalize, int maxSeqLength, boolean lowerCase) {
    public EncoderHead {
        if (pooling == null) {
            throw new IllegalArgumentException("a pooling mode is required");
        }
        if (maxSeqLength < 2) {
            throw new IllegalArgumentException(
                    "max_seq_length must leave room for [CLS] and [SEP], got " + maxSeqLength);
        }
    }

    /** A plain Hugging Face BERT directory: mean pooling, no normalisation, truncation at the learned positions. */
    public static EncoderHead plain(BertConfig config) {
        return new EncoderHead(Pooling.MEAN, false, config.maxPositions(), false);
    }
}

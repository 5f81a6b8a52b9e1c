package dev.cpt.contracts;

import java.util.Arrays;
import java.util.List;

/**
 * One training row: tokens of one domain packed up to the context length, with the documents they came from.
 *
 * <p>{@code documentStarts} marks the document boundaries: the offsets in {@code tokens} at which a document begins,
 * in increasing order. A sequence whose first token continues a document cut off in the previous sequence has no
 * start at 0. {@code replay} says the tokens were drawn again from the mixer's replay reservoir rather than trained
 * for the first time. Both fields are absent in messages written before they existed: no known boundaries, fresh.
 *
 * <p>On the wire (schema version 2 of the {@link TrainingBatch} holding it) {@code tokens} is packed as in
 * {@link Document}: see {@link PackedInts} (width character, little-endian fixed-width ids, base64). A version 1
 * number array still reads. {@code documentStarts} stays a number array: a few offsets per sequence.
 */
public record PackedSequence(
        String domain, @PackedInts.Field int[] tokens, List<String> documentIds, int[] documentStarts, Boolean replay) {
    public PackedSequence {
        Require.nonBlank(domain, "domain");
        Require.nonNull(tokens, "tokens");
        if (tokens.length < 2) {
            throw new IllegalArgumentException(
                    "tokens must hold at least 2 ids (an input and its target), holds " + tokens.length);
        }
        documentIds = List.copyOf(Require.nonNull(documentIds, "documentIds"));
        documentStarts = documentStarts == null ? new int[0] : documentStarts.clone();
        for (int i = 0; i < documentStarts.length; i++) {
            if (documentStarts[i] < 0
                    || documentStarts[i] >= tokens.length
                    || (i > 0 && documentStarts[i] <= documentStarts[i - 1])) {
                throw new IllegalArgumentException("documentStarts must be increasing offsets into tokens, are "
                        + Arrays.toString(documentStarts) + " for " + tokens.length + " tokens");
            }
        }
        replay = replay != null && replay;
    }

    /** A fresh sequence with no boundaries marked (the shape every module used before boundaries existed). */
    public PackedSequence(String domain, int[] tokens, List<String> documentIds) {
        this(domain, tokens, documentIds, null, false);
    }
}

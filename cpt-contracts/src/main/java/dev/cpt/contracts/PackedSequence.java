package dev.cpt.contracts;

import java.util.List;

/** One training row: tokens of one domain packed up to the context length, with the documents they came from. */
public record PackedSequence(String domain, int[] tokens, List<String> documentIds) {
    public PackedSequence {
        Require.nonBlank(domain, "domain");
        Require.nonNull(tokens, "tokens");
        if (tokens.length < 2) {
            throw new IllegalArgumentException("tokens must hold at least 2 ids (an input and its target), holds " + tokens.length);
        }
        documentIds = List.copyOf(Require.nonNull(documentIds, "documentIds"));
    }
}

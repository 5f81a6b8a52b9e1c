package dev.cpt.contracts;

import java.time.Instant;

/**
 * A document ingest accepted: cleaned, tagged with its domain, tokenized, and assigned to one split.
 * Training documents go to {@link #TOPIC}, held-out ones to {@link #HELDOUT_TOPIC}; the key is the domain
 * so that a domain's documents keep their order.
 */
public record Document(
        String id, String domain, String text, String tokenizer, int[] tokens, String source, Instant receivedAt) {
    public static final String TOPIC = "cpt.documents";
    public static final String HELDOUT_TOPIC = "cpt.heldout";

    public Document {
        Require.nonBlank(id, "id");
        Require.nonBlank(domain, "domain");
        Require.nonNull(text, "text");
        Require.nonBlank(tokenizer, "tokenizer");
        Require.nonNull(tokens, "tokens");
        Require.nonNull(receivedAt, "receivedAt");
    }
}

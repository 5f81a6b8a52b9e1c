package dev.cpt.contracts;

import java.time.Instant;
import java.util.Map;

/**
 * A document ingest accepted: cleaned, tagged with its domain, tokenized, and assigned to one split.
 * Training documents go to {@link #TOPIC}, held-out ones to {@link #HELDOUT_TOPIC}; the key is the domain
 * so that a domain's documents keep their order.
 *
 * <p>{@code quality} holds ingest's quality signals (heuristics in the spirit of Gopher / C4, e.g. {@code score},
 * {@code words}, {@code symbol_ratio}); empty for documents made before ingest scored them, so a consumer can weight
 * or filter by them without every producer having to know them.
 *
 * <p>{@code tokenizerFingerprint} identifies the tokenizer that cut {@code tokens} exactly (see
 * {@code dev.cpt.common.tokenizer.TokenizerIdentity}: the SHA-256 of its {@code tokenizer.json}, or {@code byte-256});
 * the mixer refuses a document whose tokenizer is not the run's. Null in documents written before producers stamped it:
 * {@code tokenizer}, the name, then decides.
 *
 * <p>On the wire (schema version 2, {@link Versioned}) {@code tokens} is one string, the ids packed as
 * {@link PackedInts} describes: a width character ({@code 1}, {@code 2} or {@code 4} bytes per id, the smallest
 * that holds the largest id), then the ids as little-endian unsigned integers of that width in base64 (no padding).
 * Version 1 messages, with the ids as a JSON number array and no {@code schemaVersion}, still read.
 */
public record Document(
        String id,
        String domain,
        String text,
        String tokenizer,
        String tokenizerFingerprint,
        @PackedInts.Field int[] tokens,
        String source,
        Instant receivedAt,
        Map<String, Double> quality)
        implements Versioned {
    public static final String TOPIC = "cpt.documents";
    public static final String HELDOUT_TOPIC = "cpt.heldout";

    public Document {
        Require.nonBlank(id, "id");
        Require.nonBlank(domain, "domain");
        Require.nonNull(text, "text");
        Require.nonBlank(tokenizer, "tokenizer");
        if (tokenizerFingerprint != null) {
            Require.nonBlank(tokenizerFingerprint, "tokenizerFingerprint");
        }
        Require.nonNull(tokens, "tokens");
        Require.nonNull(receivedAt, "receivedAt");
        // Messages written before the field existed read as null: no scores, not an error.
        quality = quality == null ? Map.of() : Map.copyOf(quality);
    }

    /** A document without quality scores or tokenizer fingerprint (as written before ingest added either). */
    public Document(
            String id, String domain, String text, String tokenizer, int[] tokens, String source, Instant receivedAt) {
        this(id, domain, text, tokenizer, null, tokens, source, receivedAt, Map.of());
    }
}

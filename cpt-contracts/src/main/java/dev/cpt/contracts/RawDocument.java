package dev.cpt.contracts;

/**
 * A document as an upstream producer or a client hands it in, before ingest has cleaned it.
 * Read from {@link #TOPIC} and from ingest's {@code POST /documents}. Id and domain are optional:
 * ingest derives an id from the content and assigns a domain by rule when they are missing.
 */
public record RawDocument(String id, String domain, String text, String source) implements Versioned {
    public static final String TOPIC = "cpt.documents.raw";
    /** What a domain name may be: 1 to 64 letters, digits, '.', '_' or '-'. */
    public static final java.util.regex.Pattern DOMAIN = java.util.regex.Pattern.compile("[\\p{L}\\p{N}._-]{1,64}");

    public RawDocument {
        Require.nonNull(text, "text");
    }
}

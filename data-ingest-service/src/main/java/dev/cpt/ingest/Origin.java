package dev.cpt.ingest;

/**
 * Where a document came from. {@code kind} is the source ({@code http}, {@code kafka}, {@code file}), a metric tag
 * with few values; {@code name} is what domain rules match on: a watched file's path relative to the inbox, or the
 * {@code source} a client named.
 */
public record Origin(String kind, String name) {
    public static final String HTTP = "http";
    public static final String KAFKA = "kafka";
    public static final String FILE = "file";

    public static Origin http() {
        return new Origin(HTTP, "");
    }

    public static Origin kafka() {
        return new Origin(KAFKA, "");
    }

    public static Origin file(String relativePath) {
        return new Origin(FILE, relativePath);
    }

    /** The {@code source} recorded on the document when the client gave none. */
    public String describe() {
        return kind.equals(FILE) ? "file:" + name : kind;
    }
}

package dev.cpt.contracts;

import java.util.List;

/**
 * What ingest's {@code POST /documents} answers: one entry per non-blank line of the upload, in three lists, and an
 * error when the upload stopped early (for example at the size limit; the documents before it are listed).
 */
public record IngestReply(List<Accepted> accepted, List<Duplicate> duplicates, List<Rejection> rejected, String error)
        implements Versioned {
    public IngestReply {
        accepted = accepted == null ? List.of() : List.copyOf(accepted);
        duplicates = duplicates == null ? List.of() : List.copyOf(duplicates);
        rejected = rejected == null ? List.of() : List.copyOf(rejected);
    }

    /**
     * A stored document: its id, domain, split ({@value #TRAIN} or {@value #HELDOUT}), token count and quality score.
     */
    public record Accepted(int line, String id, String domain, String split, int tokens, double quality) {
        public static final String TRAIN = "TRAIN";
        public static final String HELDOUT = "HELDOUT";

        public boolean trains() {
            return TRAIN.equals(split);
        }
    }

    /** A document ingest had already stored ({@code kind}: exact or near); not an error. */
    public record Duplicate(int line, String id, String domain, String kind) {}

    /**
     * A document ingest refused, with the reason (also written to {@code cpt.dlq.ingest}, except {@link #UNAVAILABLE}).
     */
    public record Rejection(int line, String reason, String message) {
        /** The broker did not take the document: not the document's fault, and sending it again is the remedy. */
        public static final String UNAVAILABLE = "unavailable";
        /** A file that cannot be read to its end (a corrupt gzip, text that is not UTF-8). */
        public static final String UNREADABLE_FILE = "unreadable-file";
    }
}

package dev.cpt.ingest;

import dev.cpt.contracts.Document;

/** What became of one document: every document ingest sees ends in exactly one of these, and each is counted. */
public sealed interface Outcome {
    /** The domain, or null when the input was too broken to name one. */
    String domain();

    /** Clean, unique and good enough: goes to the training or the held-out topic. */
    record Accepted(Document document, Split split, int bytes, Deduplicator.Reservation reservation)
            implements Outcome {
        @Override
        public String domain() {
            return document.domain();
        }
    }

    /** Already stored (exactly or nearly): not an error, not written anywhere, counted per domain and kind. */
    record Duplicate(String id, String domain, Deduplicator.Kind kind) implements Outcome {}

    /**
     * Refused, with the reason; written to the dead-letter topic. {@code quality} is the score of a document the
     * quality filter refused (null otherwise), {@code reservation} its dedup claim (a later copy is a duplicate).
     */
    record Rejected(
            String domain, RejectedDocumentException error, Double quality, Deduplicator.Reservation reservation)
            implements Outcome {
        public Rejected(String domain, RejectedDocumentException error) {
            this(domain, error, null, null);
        }

        public String reason() {
            return error.reason();
        }

        public String message() {
            return error.getMessage();
        }
    }
}

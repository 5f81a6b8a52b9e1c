package dev.cpt.ingest;

/**
 * A document ingest will not accept. {@link #reason()} is a short, stable code (the metric tag); the message,
 * {@code "<reason>: <detail>"}, is what the client and the dead-letter topic's {@code dead-letter-reason} header see.
 */
public class RejectedDocumentException extends RuntimeException {
    public static final String EMPTY = "empty";
    public static final String TOO_SMALL = "too-small";
    public static final String TOO_LARGE = "too-large";
    public static final String BINARY = "binary";
    public static final String INVALID_UTF8 = "invalid-utf8";
    public static final String MALFORMED = "malformed";
    public static final String LOW_QUALITY = "low-quality";
    /** The broker did not take the document; the client or the file scan may retry. Never written to the DLQ. */
    public static final String UNAVAILABLE = dev.cpt.contracts.IngestReply.Rejection.UNAVAILABLE;
    /** A watched file that cannot be read to its end (e.g. a corrupt gzip). */
    public static final String UNREADABLE_FILE = dev.cpt.contracts.IngestReply.Rejection.UNREADABLE_FILE;

    private final String reason;
    private final String detail;

    public RejectedDocumentException(String reason, String detail) {
        // No stack trace: a reject is an expected outcome, not a bug, and some inputs produce many.
        super(reason + ": " + detail, null, false, false);
        this.reason = reason;
        this.detail = detail;
    }

    /** The explanation without the reason code, for responses that carry the code in a field of its own. */
    public String detail() {
        return detail;
    }

    public String reason() {
        return reason;
    }
}

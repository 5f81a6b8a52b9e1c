package dev.cpt.ingest;

/** A document ingest will not accept; the message is the reason the client and the dead-letter topic see. */
public class RejectedDocumentException extends RuntimeException {
    private final String reason;

    public RejectedDocumentException(String reason, String detail) {
        super(reason + ": " + detail);
        this.reason = reason;
    }

    /** A short, stable reason code, used as the metric tag. */
    public String reason() {
        return reason;
    }
}

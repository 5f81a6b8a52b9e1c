package dev.cpt.reward;

/** A text or a batch over the configured bound: HTTP answers 413, Kafka dead-letters the request. */
public final class InputTooLongException extends IllegalArgumentException {
    public InputTooLongException(String message) {
        super(message);
    }
}

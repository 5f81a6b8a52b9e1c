package dev.cpt.contracts;

/**
 * A message that is not a valid instance of its contract. Its message is the reason written to the dead-letter topic.
 */
public class MalformedMessageException extends RuntimeException {
    public MalformedMessageException(String reason, Throwable cause) {
        super(reason, cause);
    }
}

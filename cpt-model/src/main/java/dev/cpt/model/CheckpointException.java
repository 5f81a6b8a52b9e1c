package dev.cpt.model;

import java.io.IOException;

/** A checkpoint directory is missing, corrupted, truncated or inconsistent. */
public class CheckpointException extends IOException {

    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.cpt.launcher;

/**
 * A command could not do its work for a reason outside the user's input (a service or the broker not reachable, an
 * unexpected answer): reported in one line with exit status 1, no stack trace.
 */
final class CommandFailure extends RuntimeException {
    CommandFailure(String message, Throwable cause) {
        super(message, cause);
    }
}

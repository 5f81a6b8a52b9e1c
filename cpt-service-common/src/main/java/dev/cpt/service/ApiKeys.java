package dev.cpt.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Checking a presented API key against the configured one: every service's REST filter and ingest's own key. */
public final class ApiKeys {
    /** The header a client sends the key in. */
    public static final String HEADER = "X-API-Key";

    private ApiKeys() {}

    /**
     * Whether {@code given} is exactly {@code expected}; a missing key never is. Compared in constant time, so the
     * response time does not tell how much of a guessed key was right.
     */
    public static boolean matches(String expected, String given) {
        return given != null
                && MessageDigest.isEqual(
                        expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }
}

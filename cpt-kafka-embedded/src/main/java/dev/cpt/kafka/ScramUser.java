package dev.cpt.kafka;

import java.util.Set;

/**
 * A SCRAM user of a broker whose client listener accepts only SASL_SSL: the embedded broker creates it when it formats
 * its log directory, and a client logs in with {@link #jaasConfig()}.
 *
 * @param mechanism {@code SCRAM-SHA-256} or {@code SCRAM-SHA-512}
 * @param username letters, digits, {@code -}, {@code _} and {@code .} only (it goes unquoted into JAAS and the format
 *     tool's {@code --add-scram} argument)
 * @param password the same characters
 */
public record ScramUser(String mechanism, String username, String password) {
    private static final Set<String> MECHANISMS = Set.of("SCRAM-SHA-256", "SCRAM-SHA-512");

    public ScramUser {
        if (!MECHANISMS.contains(mechanism)) {
            throw new IllegalArgumentException("not a SCRAM mechanism: " + mechanism + " (one of " + MECHANISMS + ")");
        }
        plain("username", username);
        plain("password", password);
    }

    public static ScramUser sha256(String username, String password) {
        return new ScramUser("SCRAM-SHA-256", username, password);
    }

    /** The client setting {@code sasl.jaas.config} that logs in as this user. */
    public String jaasConfig() {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + username
                + "\" password=\"" + password + "\";";
    }

    /** The format tool's {@code --add-scram} value that creates this user. */
    String formatArgument() {
        return mechanism + "=[name=" + username + ",password=" + password + "]";
    }

    @Override
    public String toString() {
        return "ScramUser[" + mechanism + ", " + username + "]";
    }

    private static void plain(String what, String value) {
        if (value == null || !value.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("a SCRAM " + what + " must be non-empty letters, digits, '.', '_', '-'");
        }
    }
}

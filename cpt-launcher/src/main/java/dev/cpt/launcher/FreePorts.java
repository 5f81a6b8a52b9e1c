package dev.cpt.launcher;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stack's fixed ports, checked before anything starts: a port in use would otherwise surface only when the broker
 * or the service that wants it fails, well into the start.
 */
final class FreePorts {
    private FreePorts() {}

    /** Throws {@link IllegalArgumentException} naming every port of {@code options} that something already holds. */
    static void require(StackOptions options) {
        Map<String, Integer> wanted = new LinkedHashMap<>();
        if (options.kafkaPort() != 0) {
            wanted.put("Kafka", options.kafkaPort());
        }
        options.ports().forEach((service, port) -> wanted.put(service.name().toLowerCase(java.util.Locale.ROOT), port));
        StringBuilder taken = new StringBuilder();
        wanted.forEach((what, port) -> {
            if (!free(port)) {
                taken.append(taken.length() == 0 ? "" : ", ")
                        .append(port)
                        .append(" (")
                        .append(what)
                        .append(')');
            }
        });
        if (taken.length() > 0) {
            throw new IllegalArgumentException(
                    "ports in use: " + taken + "; stop what holds them (another cpt up or demo?) and try again");
        }
    }

    static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            socket.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

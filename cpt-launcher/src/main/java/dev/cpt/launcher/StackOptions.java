package dev.cpt.launcher;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the stack's files go and which ports it uses.
 *
 * @param repoRoot the checkout whose modules hold the built services
 * @param dataDir everything the stack writes: broker log, checkpoints, service logs
 * @param kafkaPort the broker's client port (0: any free port)
 * @param ports HTTP port of each service
 * @param properties configuration handed to every service as system properties (they override the defaults)
 */
public record StackOptions(
        Path repoRoot, Path dataDir, int kafkaPort, Map<Service, Integer> ports, Map<String, String> properties) {

    public StackOptions {
        ports = Map.copyOf(ports);
        properties = Map.copyOf(properties);
    }

    /** The embedded default: fixed well-known ports, data in {@code dataDir}. */
    public static StackOptions defaults(Path repoRoot, Path dataDir) {
        Map<Service, Integer> ports = new EnumMap<>(Service.class);
        for (Service s : Service.values()) {
            ports.put(s, s.defaultPort());
        }
        return new StackOptions(repoRoot, dataDir, 9092, ports, Map.of());
    }

    /** Free ports everywhere, so a test stack never collides with a running one. */
    public static StackOptions ephemeral(Path repoRoot, Path dataDir) {
        Map<Service, Integer> ports = new EnumMap<>(Service.class);
        for (Service s : Service.values()) {
            ports.put(s, dev.cpt.kafka.EmbeddedKafka.freePort());
        }
        return new StackOptions(repoRoot, dataDir, 0, ports, Map.of());
    }

    public StackOptions with(String property, String value) {
        Map<String, String> p = new HashMap<>(properties);
        p.put(property, value);
        return new StackOptions(repoRoot, dataDir, kafkaPort, ports, p);
    }
}

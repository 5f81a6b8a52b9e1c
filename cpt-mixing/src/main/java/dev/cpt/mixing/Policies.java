package dev.cpt.mixing;

import dev.cpt.mixing.agent.AgentArtifact;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Creates a policy by name from string parameters (as they come from config). Unknown names and parameters fail
 * with a message listing what is accepted.
 *
 * <ul>
 *   <li>{@code static}: {@code replay} (default 0.2) or {@code weights} ({@code general=0.3,math=0.7})
 *   <li>{@code uniform}: no parameters
 *   <li>{@code temperature}: {@code temperature} (default 2)
 *   <li>{@code odm}: {@code alpha} (default 0.9)
 *   <li>{@code cmr}: {@code tolerance} (relative upstream loss increase, default 0.05), {@code horizonTokens}
 *       (default 0: the phase length estimated from the stream), {@code minRatio} (0.1), {@code maxRatio} (0.95), {@code probes} (0.9,0.5,0.7)
 *   <li>{@code agent}: {@code artifact} (directory, or {@code classpath:agent/current}, the default),
 *       {@code horizonTokens} (default 0: the phase length estimated from the stream)
 * </ul>
 */
public final class Policies {
    public static final List<String> NAMES = List.of("static", "uniform", "temperature", "odm", "cmr", "agent");

    private Policies() {}

    public static MixingPolicy create(String name, Map<String, String> params) {
        Params p = new Params(name, params);
        MixingPolicy policy = switch (name) {
            case "static" ->
                p.has("weights")
                        ? StaticPolicy.weights(p.weights("weights"))
                        : StaticPolicy.replay(p.number("replay", 0.2));
            case "uniform" -> TemperaturePolicy.uniform();
            case "temperature" -> new TemperaturePolicy(p.number("temperature", 2.0));
            case "odm" -> new OdmPolicy(p.number("alpha", 0.9));
            case "cmr" ->
                new CmrPolicy(
                        p.number("tolerance", 0.05),
                        p.number("horizonTokens", 0),
                        p.number("minRatio", 0.1),
                        p.number("maxRatio", 0.95),
                        p.numbers("probes", "0.9,0.5,0.7"));
            case "agent" ->
                new AgentPolicy(loadAgent(p.text("artifact", AgentArtifact.BUNDLED)), p.number("horizonTokens", 0));
            default -> throw new IllegalArgumentException("unknown mixing policy '" + name + "', known: " + NAMES);
        };
        p.requireAllUsed();
        return policy;
    }

    private static AgentArtifact loadAgent(String location) {
        try {
            return AgentArtifact.load(location);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load mixing agent from " + location + ": " + e.getMessage(), e);
        }
    }

    /** Parameters with defaults; remembers which were read so a misspelt key is an error, not a silent default. */
    private static final class Params {
        private final String policy;
        private final Map<String, String> values;
        private final Set<String> used = new java.util.HashSet<>();

        Params(String policy, Map<String, String> values) {
            this.policy = policy;
            this.values = values == null ? Map.of() : values;
        }

        boolean has(String key) {
            used.add(key);
            return values.containsKey(key);
        }

        String text(String key, String fallback) {
            used.add(key);
            return values.getOrDefault(key, fallback);
        }

        double number(String key, double fallback) {
            used.add(key);
            String v = values.get(key);
            if (v == null) {
                return fallback;
            }
            try {
                return Double.parseDouble(v.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(policy + "." + key + " must be a number, got '" + v + "'");
            }
        }

        List<Double> numbers(String key, String fallback) {
            String v = text(key, fallback);
            try {
                return Arrays.stream(v.split(","))
                        .map(String::strip)
                        .map(Double::parseDouble)
                        .toList();
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        policy + "." + key + " must be numbers separated by commas, got '" + v + "'");
            }
        }

        Map<String, Double> weights(String key) {
            String v = text(key, "");
            Map<String, Double> w = new TreeMap<>();
            for (String part : v.split(",")) {
                String[] kv = part.split("=");
                if (kv.length != 2 || kv[0].isBlank()) {
                    throw new IllegalArgumentException(
                            policy + "." + key + " must look like 'a=0.3,b=0.7', got '" + v + "'");
                }
                try {
                    w.put(kv[0].strip(), Double.parseDouble(kv[1].strip()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(policy + "." + key + ": '" + kv[1] + "' is not a number");
                }
            }
            return w;
        }

        void requireAllUsed() {
            for (String k : values.keySet()) {
                if (!used.contains(k)) {
                    throw new IllegalArgumentException("mixing policy " + policy + " has no parameter '" + k
                            + "' here (it reads " + new java.util.TreeSet<>(used) + ")");
                }
            }
        }
    }
}

package dev.cpt.mixing.agent;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cpt.common.Sha256;
import dev.cpt.common.io.SafeTensors;
import dev.cpt.contracts.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A trained agent on disk: a directory with {@code policy.safetensors} (the network) and {@code manifest.json}
 * ({@link AgentManifest}). Loading checks the weights' hash and the feature layout, so a mixer never runs an agent on
 * features it was not trained for.
 */
public record AgentArtifact(AgentManifest manifest, PolicyNet net) {
    public static final String WEIGHTS_FILE = "policy.safetensors";
    public static final String MANIFEST_FILE = "manifest.json";
    /** The artifact shipped with the module, on the classpath. */
    public static final String BUNDLED = "classpath:agent/current";

    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        byte[] weights = SafeTensors.toBytes(net.tensors(), Map.of("version", manifest.version()));
        Files.write(dir.resolve(WEIGHTS_FILE), weights);
        AgentManifest m = new AgentManifest(
                manifest.version(),
                manifest.featureLayout(),
                manifest.features(),
                manifest.slots(),
                manifest.hidden(),
                manifest.horizonTokens(),
                manifest.minTargetShare(),
                manifest.reward(),
                manifest.training(),
                manifest.trainingData(),
                manifest.createdAt(),
                Sha256.hex(weights));
        Files.writeString(
                dir.resolve(MANIFEST_FILE),
                Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m) + "\n");
    }

    /** Loads a directory, or {@code classpath:<resource dir>} for an artifact inside a jar. */
    public static AgentArtifact load(String location) throws IOException {
        byte[] manifest;
        byte[] weights;
        if (location.startsWith("classpath:")) {
            String base = location.substring("classpath:".length());
            manifest = resource(base + "/" + MANIFEST_FILE);
            weights = resource(base + "/" + WEIGHTS_FILE);
        } else {
            Path dir = Path.of(location);
            manifest = Files.readAllBytes(dir.resolve(MANIFEST_FILE));
            weights = Files.readAllBytes(dir.resolve(WEIGHTS_FILE));
        }
        AgentManifest m = Json.read(new String(manifest, StandardCharsets.UTF_8), AgentManifest.class);
        if (!Features.LAYOUT_VERSION.equals(m.featureLayout()) || !Features.NAMES.equals(m.features())) {
            throw new IOException("agent " + location + " was trained on feature layout " + m.featureLayout()
                    + ", this build computes " + Features.LAYOUT_VERSION);
        }
        String actual = Sha256.hex(weights);
        if (!actual.equals(m.weightsSha256())) {
            throw new IOException("agent " + location + ": " + WEIGHTS_FILE + " has sha256 " + actual
                    + ", the manifest says " + m.weightsSha256());
        }
        PolicyNet net = PolicyNet.fromTensors(SafeTensors.parse(weights).tensors());
        if (net.features() != Features.SIZE || net.hidden() != m.hidden()) {
            throw new IOException("agent " + location + ": network shape does not match its manifest");
        }
        return new AgentArtifact(m, net);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = AgentArtifact.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("no resource " + name + " on the classpath");
            }
            return in.readAllBytes();
        }
    }
}

package dev.cpt.e2e;

import static dev.cpt.e2e.DeployFiles.asMap;
import static dev.cpt.e2e.DeployFiles.commandText;
import static dev.cpt.e2e.DeployFiles.map;
import static dev.cpt.e2e.DeployFiles.orderedMap;
import static dev.cpt.e2e.DeployFiles.repoRoot;
import static dev.cpt.e2e.DeployFiles.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The services of docker-compose.yml the deployment tests check: the five applications with their HTTP ports, the GPU
 * trainer, the broker and the one-shot topic init.
 */
final class DeployCompose {

    /** Compose service name to HTTP port; the module folder has the same name. */
    static final Map<String, Integer> SERVICES = orderedMap(
            "data-ingest-service", 8081,
            "mixer-service", 8082,
            "trainer-service", 8083,
            "eval-service", 8084,
            "reward-service", 8085);

    /** The GPU trainer: its own compose service, built from trainer-service, same port. */
    static final String GPU_TRAINER = "trainer-service-gpu";

    static final String KAFKA = "kafka";

    private DeployCompose() {}

    static Map<String, Object> compose() {
        return yaml(repoRoot().resolve("docker-compose.yml"));
    }

    static Map<String, Object> services() {
        return map(compose(), "services", "compose");
    }

    static Map<String, Object> service(String name) {
        Object def = services().get(name);
        assertNotNull(def, "docker-compose.yml has no service " + name);
        return asMap(def, "services." + name);
    }

    static List<String> allServiceNames() {
        List<String> names = new ArrayList<>(SERVICES.keySet());
        names.add(GPU_TRAINER);
        return names;
    }

    static int portOf(String service) {
        return SERVICES.get(moduleOf(service));
    }

    static String moduleOf(String service) {
        return service.equals(GPU_TRAINER) ? "trainer-service" : service;
    }

    /** The Dockerfile a service's image builds from, relative to its module: the GPU trainer's is the CUDA build. */
    static String dockerfileOf(String service) {
        return service.equals(GPU_TRAINER) ? "src/main/docker/Dockerfile.cuda" : "src/main/docker/Dockerfile.jvm";
    }

    /** The one service that runs kafka-topics.sh --create. */
    static String topicInitServiceName() {
        List<String> inits = services().entrySet().stream()
                .filter(e -> {
                    Map<String, Object> s = asMap(e.getValue(), e.getKey());
                    String text = commandText(s.get("entrypoint")) + "\n" + commandText(s.get("command"));
                    return text.contains("kafka-topics.sh") && text.contains("--create");
                })
                .map(Map.Entry::getKey)
                .toList();
        assertEquals(1, inits.size(), "expected exactly one topic init service, found " + inits);
        return inits.get(0);
    }
}

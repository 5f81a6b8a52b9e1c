package dev.cpt.e2e;

import static dev.cpt.e2e.DeployCompose.GPU_TRAINER;
import static dev.cpt.e2e.DeployCompose.allServiceNames;
import static dev.cpt.e2e.DeployCompose.compose;
import static dev.cpt.e2e.DeployCompose.dockerfileOf;
import static dev.cpt.e2e.DeployCompose.moduleOf;
import static dev.cpt.e2e.DeployCompose.portOf;
import static dev.cpt.e2e.DeployCompose.service;
import static dev.cpt.e2e.DeployCompose.services;
import static dev.cpt.e2e.DeployFiles.asList;
import static dev.cpt.e2e.DeployFiles.asMap;
import static dev.cpt.e2e.DeployFiles.containerPorts;
import static dev.cpt.e2e.DeployFiles.environment;
import static dev.cpt.e2e.DeployFiles.healthcheckCommand;
import static dev.cpt.e2e.DeployFiles.listOrEmpty;
import static dev.cpt.e2e.DeployFiles.map;
import static dev.cpt.e2e.DeployFiles.mapOrEmpty;
import static dev.cpt.e2e.DeployFiles.mounts;
import static dev.cpt.e2e.DeployFiles.read;
import static dev.cpt.e2e.DeployFiles.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The five services (and the GPU trainer) in docker-compose.yml: each builds from its module with its Dockerfile, serves
 * health on its port, takes the API key from the environment; volumes and published ports are consistent.
 */
class DeployComposeServicesTest {

    private final Path root = DeployFiles.repoRoot();

    @Test
    void composeParsesAsYaml() {
        Map<String, Object> compose = compose();
        Map<String, Object> services = map(compose, "services", "compose");
        assertFalse(services.isEmpty(), "compose declares no services");
        services.forEach((name, def) -> {
            Map<String, Object> service = asMap(def, "services." + name);
            assertTrue(
                    service.containsKey("image") || service.containsKey("build"),
                    name + " has neither image nor build");
        });
        assertTrue(compose.containsKey("volumes"), "compose declares no named volumes");
    }

    @Test
    void fiveServicesBuildFromTheirModuleWithTheirDockerfile() {
        allServiceNames().forEach(name -> {
            Map<String, Object> service = service(name);
            int port = portOf(name);
            String module = moduleOf(name);

            Map<String, Object> build = map(service, "build", name);
            Path context = root.resolve(str(build.get("context"))).normalize();
            assertEquals(root.resolve(module), context, name + ": build context should be its module folder");
            assertTrue(Files.isDirectory(context), name + ": build context " + context + " does not exist");
            assertEquals(dockerfileOf(name), str(build.get("dockerfile")), name + ": dockerfile");
            Path dockerfile = context.resolve(str(build.get("dockerfile")));
            assertTrue(Files.isRegularFile(dockerfile), name + ": " + dockerfile + " does not exist");

            String df = read(dockerfile);
            // the CUDA trainer runs on NVIDIA's CUDA runtime image, with Temurin's JRE copied in
            String base = name.equals(GPU_TRAINER)
                    ? "nvidia/cuda:\\S+-runtime-\\S+"
                    : "eclipse-temurin:17-jre\\S*|registry\\.access\\.redhat\\.com/ubi\\d+/openjdk-17-runtime\\S*";
            assertTrue(
                    Pattern.compile("(?m)^FROM\\s+(" + base + ")\\s*$")
                            .matcher(df)
                            .find(),
                    dockerfile + ": base image should match " + base);
            for (String part : List.of(
                    "target/quarkus-app/lib/",
                    "target/quarkus-app/*.jar",
                    "target/quarkus-app/app/",
                    "target/quarkus-app/quarkus/")) {
                assertTrue(
                        Pattern.compile("(?m)^COPY\\s.*" + Pattern.quote(part))
                                .matcher(df)
                                .find(),
                        dockerfile + " does not COPY " + part + " (Quarkus fast-jar layout)");
            }
            assertTrue(
                    Pattern.compile("(?m)^(ENTRYPOINT|CMD)\\s.*-jar /deployments/quarkus-run\\.jar")
                            .matcher(df)
                            .find(),
                    dockerfile + " does not run /deployments/quarkus-run.jar");
            Matcher expose = Pattern.compile("(?m)^EXPOSE\\s+(\\d+)").matcher(df);
            assertTrue(expose.find(), dockerfile + " exposes no port");
            assertEquals(port, Integer.parseInt(expose.group(1)), dockerfile + " exposes the wrong port");

            assertEquals(
                    String.valueOf(port),
                    environment(service, name).get("QUARKUS_HTTP_PORT"),
                    name + ": QUARKUS_HTTP_PORT");
            assertTrue(containerPorts(service, name).contains(port), name + " does not publish port " + port);

            // The port the module configures for itself, where the module (already) says.
            Path props = root.resolve(module).resolve("src/main/resources/application.properties");
            if (Files.isRegularFile(props)) {
                String configured = DeployFiles.properties(props).getProperty("quarkus.http.port");
                if (configured != null) {
                    assertEquals(String.valueOf(port), configured.strip(), props + " configures another port");
                }
            }
        });
    }

    @Test
    void everyServiceHealthcheckHitsItsQuarkusHealthEndpoint() {
        allServiceNames().forEach(name -> {
            Map<String, Object> service = service(name);
            int port = portOf(name);
            String check = healthcheckCommand(service, name);
            assertTrue(
                    Pattern.compile("http://(localhost|127\\.0\\.0\\.1):" + port + "/q/health(/ready|/live)?\\b")
                            .matcher(check)
                            .find(),
                    name + ": healthcheck should request http://localhost:" + port + "/q/health/ready, is: " + check);

            String tool = check.strip().split("\\s+")[0];
            if (tool.equals("curl")) {
                assertTrue(
                        Pattern.compile("(^|\\s)(--fail|-[a-zA-Z]*f[a-zA-Z]*)(\\s|$)")
                                .matcher(check)
                                .find(),
                        name + ": curl without -f exits 0 on a 503, so a not-ready service would pass");
            }
            if (tool.equals("curl") || tool.equals("wget")) {
                Path dockerfile = root.resolve(moduleOf(name)).resolve(dockerfileOf(name));
                assertTrue(
                        read(dockerfile).contains("command -v " + tool),
                        dockerfile + " must guarantee " + tool + ", which the healthcheck of " + name + " runs");
            }
        });
    }

    /**
     * One variable secures every service's REST endpoints (cpt.security.api-key); it stays empty, i.e. open, by
     * default.
     */
    @Test
    void everyServiceTakesTheApiKeyFromTheEnvironment() {
        allServiceNames().forEach(name -> {
            String key = environment(service(name), name).get("CPT_SECURITY_API_KEY");
            assertNotNull(key, name + " has no CPT_SECURITY_API_KEY");
            assertTrue(
                    key.matches("\\$\\{[A-Z_]+:-}"),
                    name + ": the API key must come from the host environment, empty by default: " + key);
        });
    }

    @Test
    void gpuProfileTrainerRequestsAnNvidiaDevice() {
        Map<String, Object> gpu = service(GPU_TRAINER);
        List<Object> profiles = listOrEmpty(gpu, "profiles", GPU_TRAINER);
        assertTrue(profiles.contains("gpu"), GPU_TRAINER + " must be under the gpu profile, is under " + profiles);
        assertTrue(
                listOrEmpty(service("trainer-service"), "profiles", "trainer-service")
                        .isEmpty(),
                "the CPU trainer must run without a profile (the default)");

        Map<String, Object> reservations = map(
                map(map(gpu, "deploy", GPU_TRAINER), "resources", GPU_TRAINER + ".deploy"),
                "reservations",
                GPU_TRAINER + ".deploy.resources");
        List<Object> devices = asList(reservations.get("devices"), GPU_TRAINER + " reservations.devices");
        assertTrue(
                devices.stream()
                        .map(d -> asMap(d, "device"))
                        .anyMatch(d -> "nvidia".equals(str(d.get("driver")))
                                && asList(d.get("capabilities"), "capabilities").contains("gpu")),
                GPU_TRAINER + " reserves no nvidia device with capabilities [gpu]: " + devices);
        assertEquals("gpu", environment(gpu, GPU_TRAINER).get("CPT_TRAINER_DEVICE"), "CPT_TRAINER_DEVICE");
        // the CUDA build of the trainer, under its own tag so that the CPU image stays as it is
        assertNotEquals(service("trainer-service").get("image"), gpu.get("image"), "the GPU trainer's image tag");
        String dockerfile = read(root.resolve(moduleOf(GPU_TRAINER)).resolve(dockerfileOf(GPU_TRAINER)));
        assertTrue(
                dockerfile.contains("ai.djl.pytorch.pytorch-native-cu"),
                "Dockerfile.cuda must take the CUDA libtorch from the -Dcuda build and refuse a build without it");
    }

    @Test
    void checkpointVolumeIsSharedByTrainersAndEvalAtTheStoreRoot() {
        Set<String> targets = new LinkedHashSet<>();
        for (String name : List.of("trainer-service", GPU_TRAINER, "eval-service")) {
            Map<String, Object> service = service(name);
            DeployFiles.Mount mount = mounts(service, name).stream()
                    .filter(m -> "checkpoints".equals(m.source()))
                    .findFirst()
                    .orElseGet(() -> fail(name + " does not mount the checkpoints volume"));
            assertEquals(
                    mount.target(),
                    environment(service, name).get("CPT_STORE_ROOT"),
                    name + ": CPT_STORE_ROOT must be where the checkpoints volume is mounted");
            targets.add(mount.target());
        }
        assertEquals(
                1,
                targets.size(),
                "checkpoint paths in events only resolve if every service mounts the volume at the same path: "
                        + targets);
    }

    @Test
    void volumesReferencedAreDeclaredAndBindMountsExist() {
        Set<String> declared = mapOrEmpty(compose(), "volumes", "compose").keySet();
        Set<String> used = new LinkedHashSet<>();
        services().forEach((name, def) -> {
            for (DeployFiles.Mount m : mounts(asMap(def, name), name)) {
                if (m.isNamedVolume()) {
                    assertTrue(declared.contains(m.source()), name + " uses the undeclared volume " + m.source());
                    used.add(m.source());
                } else {
                    Path host = root.resolve(m.source()).normalize();
                    assertTrue(Files.exists(host), name + " bind-mounts " + m.source() + ", which does not exist");
                }
            }
        });
        Set<String> unused = new TreeSet<>(declared);
        unused.removeAll(used);
        assertTrue(unused.isEmpty(), "declared but unused volumes: " + unused);
    }

    /**
     * Docker seeds an empty named volume with the owner of the image directory it is first mounted over, and creates a
     * missing one as root: a service image (running as uid 185) must make each of its volume mount points itself.
     */
    @Test
    void everyServiceImageMakesItsVolumeMountPoints() {
        allServiceNames().forEach(name -> {
            String dockerfile = read(root.resolve(moduleOf(name)).resolve(dockerfileOf(name)));
            List<String> mkdirLines =
                    dockerfile.lines().filter(l -> l.contains("mkdir -p ")).toList();
            for (DeployFiles.Mount m : mounts(service(name), name)) {
                if (m.isNamedVolume()) {
                    assertTrue(
                            mkdirLines.stream()
                                    .anyMatch(l -> List.of(l.split("\\s+")).contains(m.target())),
                            name + ": its Dockerfile must mkdir the mount point " + m.target() + " of the volume "
                                    + m.source() + ", else the volume is root-owned and unwritable for uid 185");
                }
            }
        });
    }

    @Test
    void publishedHostPortsAreUnique() {
        Map<String, String> byHostPort = new HashMap<>();
        services().forEach((name, def) -> {
            for (Object p : listOrEmpty(asMap(def, name), "ports", name)) {
                String hostPort;
                if (p instanceof Map<?, ?> m) {
                    hostPort = str(m.get("published"));
                } else {
                    String[] parts = String.valueOf(p).split(":"); // [ip:]host:container
                    hostPort = parts.length >= 2 ? parts[parts.length - 2] : null;
                }
                if (hostPort != null) {
                    String other = byHostPort.put(hostPort, name);
                    assertTrue(other == null, "host port " + hostPort + " published by both " + other + " and " + name);
                }
            }
        });
    }
}

package dev.cpt.e2e;

import static dev.cpt.e2e.DeployCompose.KAFKA;
import static dev.cpt.e2e.DeployCompose.SERVICES;
import static dev.cpt.e2e.DeployCompose.service;
import static dev.cpt.e2e.DeployFiles.asList;
import static dev.cpt.e2e.DeployFiles.asMap;
import static dev.cpt.e2e.DeployFiles.environment;
import static dev.cpt.e2e.DeployFiles.map;
import static dev.cpt.e2e.DeployFiles.mapOrEmpty;
import static dev.cpt.e2e.DeployFiles.mounts;
import static dev.cpt.e2e.DeployFiles.str;
import static dev.cpt.e2e.DeployKubernetes.GENERATED;
import static dev.cpt.e2e.DeployKubernetes.applicationProperties;
import static dev.cpt.e2e.DeployKubernetes.claimName;
import static dev.cpt.e2e.DeployKubernetes.container;
import static dev.cpt.e2e.DeployKubernetes.env;
import static dev.cpt.e2e.DeployKubernetes.generated;
import static dev.cpt.e2e.DeployKubernetes.handWritten;
import static dev.cpt.e2e.DeployKubernetes.kustomization;
import static dev.cpt.e2e.DeployKubernetes.mountPaths;
import static dev.cpt.e2e.DeployKubernetes.name;
import static dev.cpt.e2e.DeployKubernetes.ofKind;
import static dev.cpt.e2e.DeployKubernetes.only;
import static dev.cpt.e2e.DeployKubernetes.podSpec;
import static dev.cpt.e2e.DeployKubernetes.podTemplate;
import static dev.cpt.e2e.DeployKubernetes.spec;
import static dev.cpt.e2e.DeployKubernetes.volumes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cpt.contracts.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests agree with the code, as the Deploy*Test classes check docker-compose.yml: the manifests
 * quarkus-kubernetes generated for the five services at package (which is why this is an IT: the verify phase runs
 * after the services were packaged) and the hand-written resources of deploy/kubernetes/.
 */
class KubernetesManifestsIT {

    /** The Services KEDA scales, by lag of their consumer group on the topic their work arrives on. */
    private static final List<String> SCALED = List.of("data-ingest-service", "eval-service", "reward-service");

    /** The compose volume the trainer writes checkpoints to and eval reads them from. */
    private static final String COMPOSE_CHECKPOINT_VOLUME = "checkpoints";

    @Test
    void everyContractTopicHasExactlyOneKafkaTopicWithItsPartitionsAndConfig() {
        Map<String, Topics.Spec> expected = new TreeMap<>();
        Topics.ALL.forEach(spec -> expected.put(spec.name(), spec));
        Map<String, Object> kafka = kafka();

        Map<String, Map<String, Object>> declared = new TreeMap<>();
        for (Map<String, Object> topic : handWritten("topics.yml")) {
            assertEquals("KafkaTopic", str(topic.get("kind")), "topics.yml holds only KafkaTopics");
            Map<String, Object> spec = spec(topic);
            String topicName = spec.containsKey("topicName") ? str(spec.get("topicName")) : name(topic);
            assertTrue(declared.put(topicName, spec) == null, "two KafkaTopics for " + topicName);
            assertEquals(
                    name(kafka),
                    str(mapOrEmpty(map(topic, "metadata", topicName), "labels", topicName)
                            .get("strimzi.io/cluster")),
                    topicName + ": the strimzi.io/cluster label must name the Kafka cluster");
        }
        assertEquals(expected.keySet(), declared.keySet(), "KafkaTopics against Topics.ALL");

        expected.forEach((topic, contract) -> {
            Map<String, Object> spec = declared.get(topic);
            assertEquals(String.valueOf(contract.partitions()), str(spec.get("partitions")), topic + ": partitions");
            assertEquals("1", str(spec.get("replicas")), topic + ": one broker, one replica");
            Map<String, String> config = new TreeMap<>();
            mapOrEmpty(spec, "config", topic).forEach((k, v) -> config.put(k, str(v)));
            assertEquals(new TreeMap<>(contract.config()), config, topic + ": topic config");
        });
    }

    /** One KRaft node, both roles, configured as the compose broker wherever both say the same thing. */
    @Test
    void kafkaIsOneKraftNodeConfiguredAsTheComposeBroker() {
        List<Map<String, Object>> docs = handWritten("kafka.yml");
        Map<String, Object> kafka = kafka();
        Map<String, Object> pool = only(docs, "KafkaNodePool", "kafka.yml");
        assertEquals("1", str(spec(pool).get("replicas")), "a single node, as compose's");
        assertEquals(
                Set.of("controller", "broker"),
                Set.copyOf(asList(spec(pool).get("roles"), "roles")),
                "KRaft combined mode: controller and broker in one node");
        Map<String, Object> annotations = map(map(kafka, "metadata", "Kafka"), "annotations", "Kafka");
        assertEquals("enabled", str(annotations.get("strimzi.io/kraft")), "KRaft, no ZooKeeper");
        assertEquals("enabled", str(annotations.get("strimzi.io/node-pools")), "the node pool is used");

        Map<String, Object> brokerConfig = map(map(spec(kafka), "kafka", "Kafka"), "config", "Kafka.kafka");
        Map<String, String> composeEnv = environment(service(KAFKA), KAFKA);
        for (String key : List.of("auto.create.topics.enable", "message.max.bytes", "replica.fetch.max.bytes")) {
            String composeKey = "KAFKA_" + key.toUpperCase().replace('.', '_');
            assertNotNull(composeEnv.get(composeKey), "compose's broker sets no " + composeKey);
            assertEquals(composeEnv.get(composeKey), str(brokerConfig.get(key)), "kafka.yml " + key);
        }
        assertNotNull(
                map(spec(kafka), "entityOperator", "Kafka").get("topicOperator"),
                "without the topic operator the KafkaTopics of topics.yml create nothing");
    }

    @Test
    void everyServiceServesItsPortWithHealthProbesAndScrapeAnnotations() {
        SERVICES.forEach((module, composePort) -> {
            String port = applicationProperties(module).getProperty("quarkus.http.port");
            assertEquals(String.valueOf(composePort), port, module + ": quarkus.http.port against compose");
            Map<String, Object> deployment = deployment(module);
            Map<String, Object> container = container(deployment);

            List<String> containerPorts = asList(container.get("ports"), module + " ports").stream()
                    .map(p -> str(asMap(p, "port").get("containerPort")))
                    .toList();
            assertEquals(List.of(port), containerPorts, module + ": container ports");
            assertProbe(container, "livenessProbe", "/q/health/live", port, module);
            assertProbe(container, "readinessProbe", "/q/health/ready", port, module);

            Map<String, Object> annotations =
                    map(map(podTemplate(deployment), "metadata", module), "annotations", module);
            assertEquals("true", str(annotations.get("prometheus.io/scrape")), module + ": prometheus.io/scrape");
            assertEquals("/q/metrics", str(annotations.get("prometheus.io/path")), module + ": prometheus.io/path");
            assertEquals(port, str(annotations.get("prometheus.io/port")), module + ": prometheus.io/port");

            Map<String, Object> svc = only(generated(module), "Service", module);
            assertEquals(module, name(svc), "the Service is named as the compose service, its DNS name");
            List<String> targets = asList(spec(svc).get("ports"), module + " Service ports").stream()
                    .map(p -> str(asMap(p, "port").get("targetPort")))
                    .toList();
            assertEquals(List.of(port), targets, module + ": the Service's target port");
        });
    }

    @Test
    void everyServiceReachesKafkaThroughTheStrimziBootstrapService() {
        String bootstrap = name(kafka()) + "-kafka-bootstrap:" + plainListenerPort();
        SERVICES.keySet()
                .forEach(module -> assertEquals(
                        bootstrap,
                        env(container(deployment(module))).get("KAFKA_BOOTSTRAP_SERVERS"),
                        module + ": KAFKA_BOOTSTRAP_SERVERS"));
    }

    @Test
    void trainerRequestsAGpuOnAGpuNode() {
        Map<String, Object> trainer = deployment("trainer-service");
        Map<String, Object> resources = map(container(trainer), "resources", "trainer-service container");
        for (String kind : List.of("requests", "limits")) {
            Object gpus = map(resources, kind, "trainer resources").get("nvidia.com/gpu");
            assertNotNull(gpus, "the trainer " + kind + " no nvidia.com/gpu");
            assertTrue(Integer.parseInt(str(gpus)) >= 1, "the trainer " + kind + " " + gpus + " GPUs");
        }
        Map<String, Object> nodeSelector = map(podSpec(trainer), "nodeSelector", "trainer-service");
        assertTrue(
                nodeSelector.keySet().stream().anyMatch(k -> k.contains("gpu")),
                "the trainer must be scheduled on GPU nodes, node selector: " + nodeSelector);
        assertEquals("gpu", env(container(trainer)).get("CPT_TRAINER_DEVICE"), "CPT_TRAINER_DEVICE");
        // the image with a CUDA libtorch, the one compose's gpu profile builds: the CPU image would refuse to start
        String cudaImage = str(DeployCompose.service(DeployCompose.GPU_TRAINER).get("image"));
        String image = str(container(trainer).get("image"));
        assertTrue(image.endsWith("/" + cudaImage), "the trainer runs " + image + ", not compose's " + cudaImage);
    }

    /**
     * Every named volume a service mounts in compose is a volume at the same path here; compose's checkpoint volume
     * is one ReadWriteMany claim, mounted by each of its users at the same path, the store root they are given.
     */
    @Test
    void servicesMountTheirVolumesWhereComposeDoesAndShareOneCheckpointClaim() {
        Map<String, Map<String, Object>> claims = new TreeMap<>();
        handWritten("storage.yml").forEach(pvc -> {
            assertEquals("PersistentVolumeClaim", str(pvc.get("kind")), "storage.yml holds only claims");
            claims.put(name(pvc), pvc);
        });
        Set<String> checkpointClaims = new TreeSet<>();
        Set<String> checkpointPaths = new TreeSet<>();
        Set<String> usedClaims = new TreeSet<>();
        SERVICES.keySet().forEach(module -> {
            Map<String, Object> deployment = deployment(module);
            Map<String, String> paths = mountPaths(container(deployment));
            Map<String, Map<String, Object>> volumes = volumes(deployment);
            assertEquals(volumes.keySet(), paths.keySet(), module + ": every volume mounted, every mount a volume");
            volumes.values().stream()
                    .map(DeployKubernetes::claimName)
                    .filter(c -> c != null)
                    .forEach(c -> {
                        assertTrue(claims.containsKey(c), module + " mounts the claim " + c + " storage.yml lacks");
                        usedClaims.add(c);
                        assertEquals(
                                imageUser(module),
                                str(mapOrEmpty(podSpec(deployment), "securityContext", module)
                                        .get("fsGroup")),
                                module + ": fsGroup must be the image's user, else the claim " + c + " is unwritable");
                    });

            for (DeployFiles.Mount m : mounts(service(module), module)) {
                if (!m.isNamedVolume()) {
                    continue;
                }
                String volume = paths.entrySet().stream()
                        .filter(e -> e.getValue().equals(m.target()))
                        .map(Map.Entry::getKey)
                        .findFirst()
                        .orElse(null);
                assertNotNull(volume, module + " mounts nothing at " + m.target() + " (compose: " + m.source() + ")");
                if (m.source().equals(COMPOSE_CHECKPOINT_VOLUME)) {
                    checkpointClaims.add(claimName(volumes.get(volume)));
                    checkpointPaths.add(m.target());
                    assertEquals(
                            m.target(), env(container(deployment)).get("CPT_STORE_ROOT"), module + ": CPT_STORE_ROOT");
                }
            }
        });
        assertEquals(1, checkpointClaims.size(), "one claim for the checkpoints: " + checkpointClaims);
        assertEquals(1, checkpointPaths.size(), "one path for the checkpoints: " + checkpointPaths);
        Map<String, Object> checkpoints = claims.get(checkpointClaims.iterator().next());
        assertNotNull(checkpoints, "the checkpoint volume is no claim of storage.yml");
        assertTrue(
                asList(spec(checkpoints).get("accessModes"), "accessModes").contains("ReadWriteMany"),
                "trainer and eval workers on different nodes need the checkpoint claim ReadWriteMany");
        assertEquals(claims.keySet(), usedClaims, "claims of storage.yml that no service mounts");
    }

    @Test
    void kedaScalesIngestEvalAndRewardByTheLagOfTheirConsumerGroup() {
        String bootstrap = name(kafka()) + "-kafka-bootstrap."
                + str(kustomization().get("namespace")) + ".svc:" + plainListenerPort();
        List<Map<String, Object>> scaled = handWritten("scaling.yml");
        assertEquals(scaled, ofKind(scaled, "ScaledObject"), "scaling.yml holds only ScaledObjects");
        Set<String> targets = new TreeSet<>();
        for (Map<String, Object> object : scaled) {
            String target =
                    str(map(spec(object), "scaleTargetRef", name(object)).get("name"));
            targets.add(target);
            assertEquals(target, name(deployment(target)), name(object) + " scales no generated Deployment");

            List<Object> triggers = asList(spec(object).get("triggers"), name(object) + " triggers");
            assertEquals(1, triggers.size(), name(object) + ": one trigger");
            Map<String, Object> trigger = asMap(triggers.get(0), "trigger");
            assertEquals("kafka", str(trigger.get("type")), name(object) + ": trigger type");
            Map<String, Object> metadata = map(trigger, "metadata", name(object) + " trigger");
            assertEquals(bootstrap, str(metadata.get("bootstrapServers")), name(object) + ": bootstrapServers");
            String topic = str(metadata.get("topic"));
            assertEquals(
                    consumerGroups(target, topic),
                    Set.of(str(metadata.get("consumerGroup"))),
                    name(object) + ": consumerGroup against the group.id " + target + " reads " + topic + " with");
            int partitions = Topics.ALL.stream()
                    .filter(t -> t.name().equals(topic))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(topic + " is no topic of Topics.ALL"))
                    .partitions();
            int max = Integer.parseInt(str(spec(object).get("maxReplicaCount")));
            assertTrue(max <= partitions, name(object) + ": " + max + " replicas for " + partitions + " partitions");
        }
        assertEquals(new TreeSet<>(SCALED), targets, "the scaled services");
    }

    /** The kustomization takes every hand-written file and every generated manifest, and kustomize renders it. */
    @Test
    void kustomizationAssemblesEveryManifest() throws IOException {
        Path dir = DeployKubernetes.dir();
        Set<String> expected = new LinkedHashSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".yml") && !f.equals("kustomization.yml"))
                    .sorted()
                    .forEach(expected::add);
        }
        SERVICES.keySet().forEach(module -> expected.add("../../" + module + "/" + GENERATED));
        List<String> resources = asList(kustomization().get("resources"), "kustomization resources").stream()
                .map(DeployFiles::str)
                .toList();
        assertEquals(new TreeSet<>(expected), new TreeSet<>(resources), "kustomization resources");

        assumeTrue(
                Commands.run(List.of("kubectl", "version", "--client"), Duration.ofSeconds(30))
                                .exitCode()
                        == 0,
                "no kubectl on PATH: rendering skipped");
        Commands.Result render = Commands.run(
                List.of("kubectl", "kustomize", "--load-restrictor", "LoadRestrictionsNone", dir.toString()),
                Duration.ofSeconds(60));
        assertEquals(0, render.exitCode(), "kubectl kustomize failed:\n" + render.output());
        Path rendered = Files.createTempFile("cpt-kustomize", ".yml");
        try {
            Files.writeString(rendered, render.stdout());
            List<Map<String, Object>> docs = DeployFiles.yamlDocuments(rendered);
            assertEquals(SERVICES.size(), ofKind(docs, "Deployment").size(), "rendered Deployments");
            assertEquals(Topics.ALL.size(), ofKind(docs, "KafkaTopic").size(), "rendered KafkaTopics");
            String libtorch = name(only(docs, "ConfigMap", "rendered"));
            for (String module : List.of("trainer-service", "eval-service", "reward-service")) {
                Map<String, Object> deployment = docs.stream()
                        .filter(d -> "Deployment".equals(str(d.get("kind"))) && module.equals(name(d)))
                        .findFirst()
                        .orElseThrow();
                List<String> refs = new ArrayList<>();
                DeployFiles.listOrEmpty(container(deployment), "envFrom", module)
                        .forEach(e -> refs.add(str(mapOrEmpty(asMap(e, "envFrom"), "configMapRef", module)
                                .get("name"))));
                assertTrue(refs.contains(libtorch), module + " takes no env from the libtorch ConfigMap " + libtorch);
            }
        } finally {
            Files.deleteIfExists(rendered);
        }
    }

    private static Map<String, Object> kafka() {
        return only(handWritten("kafka.yml"), "Kafka", "kafka.yml");
    }

    private static Map<String, Object> deployment(String module) {
        Map<String, Object> deployment = only(generated(module), "Deployment", module + "/" + GENERATED);
        assertEquals(module, name(deployment), "the Deployment is named after the module");
        return deployment;
    }

    private static String plainListenerPort() {
        return asList(map(spec(kafka()), "kafka", "Kafka").get("listeners"), "listeners").stream()
                .map(l -> asMap(l, "listener"))
                .filter(l -> "false".equals(str(l.get("tls"))) && "internal".equals(str(l.get("type"))))
                .map(l -> str(l.get("port")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("kafka.yml has no internal listener without TLS"));
    }

    /** The uid a service's image runs as (the USER of its Dockerfile). */
    private static String imageUser(String module) {
        Matcher user = Pattern.compile("(?m)^USER\\s+(\\d+)")
                .matcher(DeployFiles.read(
                        DeployFiles.repoRoot().resolve(module).resolve("src/main/docker/Dockerfile.jvm")));
        assertTrue(user.find(), module + ": its Dockerfile names no numeric USER");
        return user.group(1);
    }

    /** The group ids a service's incoming channels on a topic consume with. */
    private static Set<String> consumerGroups(String module, String topic) {
        Properties props = applicationProperties(module);
        Set<String> groups = new TreeSet<>();
        for (String key : props.stringPropertyNames()) {
            if (key.startsWith("mp.messaging.incoming.")
                    && key.endsWith(".topic")
                    && topic.equals(props.getProperty(key))) {
                groups.add(props.getProperty(key.substring(0, key.length() - "topic".length()) + "group.id"));
            }
        }
        return groups;
    }

    private static void assertProbe(
            Map<String, Object> container, String probe, String path, String port, String module) {
        Map<String, Object> get = map(map(container, probe, module), "httpGet", module + "." + probe);
        assertEquals(path, str(get.get("path")), module + ": " + probe + " path");
        assertEquals(port, str(get.get("port")), module + ": " + probe + " port");
    }
}

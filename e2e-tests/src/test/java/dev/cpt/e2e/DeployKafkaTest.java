package dev.cpt.e2e;

import static dev.cpt.e2e.DeployCompose.KAFKA;
import static dev.cpt.e2e.DeployCompose.allServiceNames;
import static dev.cpt.e2e.DeployCompose.service;
import static dev.cpt.e2e.DeployCompose.services;
import static dev.cpt.e2e.DeployFiles.asMap;
import static dev.cpt.e2e.DeployFiles.csv;
import static dev.cpt.e2e.DeployFiles.environment;
import static dev.cpt.e2e.DeployFiles.mounts;
import static dev.cpt.e2e.DeployFiles.read;
import static dev.cpt.e2e.DeployFiles.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The compose broker: single-node KRaft, the services' Kafka version, large records, the services' bootstrap. */
class DeployKafkaTest {

    private final Path root = DeployFiles.repoRoot();

    @Test
    void kafkaRunsKraftWithoutZookeeper() {
        Map<String, Object> kafka = service(KAFKA);
        Map<String, String> env = environment(kafka, KAFKA);

        String kafkaVersion = rootPomProperty("kafka.version");
        assertEquals(
                "apache/kafka:" + kafkaVersion,
                str(kafka.get("image")),
                "the broker image should run the Kafka version the services' clients are built with");

        Set<String> roles = csv(env.get("KAFKA_PROCESS_ROLES"));
        assertEquals(Set.of("broker", "controller"), roles, "single node KRaft: KAFKA_PROCESS_ROLES=broker,controller");

        String nodeId = env.get("KAFKA_NODE_ID");
        assertNotNull(nodeId, "KAFKA_NODE_ID is required in KRaft mode");
        String voters = env.get("KAFKA_CONTROLLER_QUORUM_VOTERS");
        String quorumBootstrap = env.get("KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS");
        assertTrue(voters != null || quorumBootstrap != null, "no controller quorum configured");
        if (voters != null) {
            assertTrue(
                    csv(voters).stream().anyMatch(v -> v.startsWith(nodeId + "@")),
                    "this node (" + nodeId + ") is not among the controller voters " + voters);
        }
        String controllerListener = env.get("KAFKA_CONTROLLER_LISTENER_NAMES");
        assertNotNull(controllerListener, "KAFKA_CONTROLLER_LISTENER_NAMES is required in KRaft mode");
        assertTrue(
                listenerNames(env.get("KAFKA_LISTENERS")).contains(controllerListener),
                "KAFKA_LISTENERS has no " + controllerListener + " listener");
        assertTrue(
                env.getOrDefault("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "").contains(controllerListener + ":"),
                "the controller listener has no security protocol mapping");

        String clusterId = env.get("CLUSTER_ID");
        assertNotNull(clusterId, "CLUSTER_ID is needed to format the KRaft log directory");
        byte[] uuid = Base64.getUrlDecoder().decode(clusterId);
        assertEquals(16, uuid.length, "CLUSTER_ID must be a base64url UUID (kafka-storage.sh random-uuid)");
        assertEquals(
                clusterId,
                Base64.getUrlEncoder().withoutPadding().encodeToString(uuid),
                "CLUSTER_ID is not a canonical base64url UUID");

        assertEquals(
                "false",
                env.get("KAFKA_AUTO_CREATE_TOPICS_ENABLE"),
                "auto topic creation must be off: topics come from the init container with their partitions");

        env.keySet().forEach(k -> assertFalse(k.toUpperCase().contains("ZOOKEEPER"), "ZooKeeper setting " + k));
        services().forEach((name, def) -> {
            Map<String, Object> s = asMap(def, name);
            assertFalse(
                    name.toLowerCase().contains("zookeeper")
                            || String.valueOf(s.get("image")).toLowerCase().contains("zookeeper"),
                    "KRaft needs no ZooKeeper, yet service " + name + " is one");
        });

        String logDirs = env.get("KAFKA_LOG_DIRS");
        assertNotNull(logDirs, "KAFKA_LOG_DIRS unset: data would land in the image's /tmp");
        assertTrue(
                mounts(kafka, KAFKA).stream().anyMatch(m -> m.isNamedVolume() && logDirs.equals(m.target())),
                "Kafka's log directory " + logDirs + " is not on a named volume");
        assertNotNull(kafka.get("healthcheck"), "services wait for kafka to be healthy: it needs a healthcheck");
    }

    @Test
    void everyServiceUsesTheComposeKafka() {
        Map<String, String> kafkaEnv = environment(service(KAFKA), KAFKA);
        Set<String> advertised = new LinkedHashSet<>();
        for (String l : csv(kafkaEnv.get("KAFKA_ADVERTISED_LISTENERS"))) {
            advertised.add(l.substring(l.indexOf("://") + 3));
        }
        allServiceNames().forEach(name -> {
            String bootstrap = environment(service(name), name).get("KAFKA_BOOTSTRAP_SERVERS");
            assertNotNull(bootstrap, name + " has no KAFKA_BOOTSTRAP_SERVERS (it would use localhost:9092)");
            for (String server : csv(bootstrap)) {
                assertTrue(
                        server.startsWith(KAFKA + ":"), name + ": bootstrap " + server + " is not the kafka service");
                assertTrue(
                        advertised.contains(server),
                        name + ": " + server + " is not an advertised listener of kafka " + advertised);
            }
        });
    }

    /**
     * The embedded broker (KafkaBrokerMain) takes 16 MiB records; the compose broker must too, or ingest's big
     * documents fail there only.
     */
    @Test
    void kafkaAcceptsRecordsAsLargeAsTheEmbeddedBrokerAndIngestsProducers() {
        Map<String, String> env = environment(service(KAFKA), KAFKA);
        long sixteenMiB = 16L * 1024 * 1024;
        assertEquals(
                sixteenMiB,
                Long.parseLong(env.getOrDefault("KAFKA_MESSAGE_MAX_BYTES", "0")),
                "KAFKA_MESSAGE_MAX_BYTES");
        assertTrue(
                Long.parseLong(env.getOrDefault("KAFKA_REPLICA_FETCH_MAX_BYTES", "0")) >= sixteenMiB,
                "KAFKA_REPLICA_FETCH_MAX_BYTES must be at least message.max.bytes");
        Properties ingest = new Properties();
        try (var in = Files.newBufferedReader(
                root.resolve("data-ingest-service/src/main/resources/application.properties"))) {
            ingest.load(in);
        } catch (IOException e) {
            fail("cannot read ingest's application.properties", e);
        }
        ingest.stringPropertyNames().stream()
                .filter(k -> k.endsWith(".max.request.size"))
                .forEach(k -> assertTrue(
                        Long.parseLong(ingest.getProperty(k)) <= sixteenMiB,
                        k + " exceeds the broker's message.max.bytes"));
    }

    private static Set<String> listenerNames(String listeners) {
        return csv(listeners).stream()
                .map(l -> l.substring(0, Math.max(0, l.indexOf("://"))))
                .collect(Collectors.toSet());
    }

    private String rootPomProperty(String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">")
                .matcher(read(root.resolve("pom.xml")));
        assertTrue(m.find(), "root pom.xml has no property " + name);
        return m.group(1).strip();
    }
}

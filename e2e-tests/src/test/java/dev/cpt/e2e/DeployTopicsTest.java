package dev.cpt.e2e;

import static dev.cpt.e2e.DeployCompose.KAFKA;
import static dev.cpt.e2e.DeployCompose.allServiceNames;
import static dev.cpt.e2e.DeployCompose.service;
import static dev.cpt.e2e.DeployCompose.topicInitServiceName;
import static dev.cpt.e2e.DeployFiles.asMap;
import static dev.cpt.e2e.DeployFiles.commandText;
import static dev.cpt.e2e.DeployFiles.environment;
import static dev.cpt.e2e.DeployFiles.map;
import static dev.cpt.e2e.DeployFiles.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The topic init service creates exactly the contract's topics, and every service waits for it. */
class DeployTopicsTest {

    @Test
    void everyServiceWaitsForHealthyKafkaAndCreatedTopics() {
        String init = topicInitServiceName();
        allServiceNames().forEach(name -> {
            Map<String, Object> dependsOn = map(service(name), "depends_on", name);
            assertEquals(
                    "service_healthy",
                    str(asMap(dependsOn.get(KAFKA), name + ".depends_on.kafka").get("condition")),
                    name + " must wait for kafka to be healthy");
            assertEquals(
                    "service_completed_successfully",
                    str(asMap(dependsOn.get(init), name + ".depends_on." + init).get("condition")),
                    name + " must wait for " + init + " to have created the topics");
        });
    }

    @Test
    void topicInitCreatesExactlyTheContractTopicsWithTheirPartitions() {
        Map<String, Integer> expected = new TreeMap<>();
        for (Topics.Spec spec : Topics.ALL) {
            assertTrue(
                    expected.put(spec.name(), spec.partitions()) == null, "Topics.ALL lists " + spec.name() + " twice");
        }

        String initName = topicInitServiceName();
        Map<String, Object> init = service(initName);
        assertEquals(
                str(service(KAFKA).get("image")), str(init.get("image")), initName + " should use the broker's image");
        String restart = str(init.get("restart"));
        assertTrue(
                restart == null || restart.equals("no") || restart.equals("on-failure"),
                initName + " is one-shot; restart: " + restart + " would never let it complete");
        assertEquals(
                "service_healthy",
                str(asMap(map(init, "depends_on", initName).get(KAFKA), initName + ".depends_on.kafka")
                        .get("condition")),
                initName + " must wait for a healthy broker");

        String bootstrap = environment(service("data-ingest-service"), "data-ingest-service")
                .get("KAFKA_BOOTSTRAP_SERVERS");
        Map<String, Integer> created = new TreeMap<>();
        for (List<String> words : kafkaTopicsCreations(init)) {
            String topic = option(words, "--topic");
            String partitions = option(words, "--partitions");
            assertNotNull(topic, "kafka-topics.sh --create without --topic: " + words);
            assertNotNull(partitions, "no --partitions for " + topic + " (the broker default would apply)");
            assertTrue(
                    words.contains("--if-not-exists"), topic + ": --if-not-exists keeps a rerun of the init harmless");
            assertEquals("1", option(words, "--replication-factor"), topic + ": one broker, replication factor 1");
            assertEquals(bootstrap, option(words, "--bootstrap-server"), topic + ": created on another bootstrap");
            assertTrue(created.put(topic, Integer.parseInt(partitions)) == null, topic + " is created twice");
        }

        Set<String> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(created.keySet());
        Set<String> unexpected = new TreeSet<>(created.keySet());
        unexpected.removeAll(expected.keySet());
        Map<String, String> wrongPartitions = new TreeMap<>();
        expected.forEach((t, p) -> {
            if (created.containsKey(t) && !created.get(t).equals(p)) {
                wrongPartitions.put(t, "Topics.ALL " + p + ", compose " + created.get(t));
            }
        });
        assertTrue(missing.isEmpty(), "topics of Topics.ALL the init does not create: " + missing);
        assertTrue(unexpected.isEmpty(), "topics the init creates that are not in Topics.ALL: " + unexpected);
        assertTrue(wrongPartitions.isEmpty(), "partition counts differ: " + wrongPartitions);
        assertEquals(expected, created);
    }

    /** Each `kafka-topics.sh ... --create ...` invocation of the init service, split into words. */
    private static List<List<String>> kafkaTopicsCreations(Map<String, Object> init) {
        String script =
                (commandText(init.get("entrypoint")) + "\n" + commandText(init.get("command"))).replace("\\\n", " ");
        List<List<String>> out = new ArrayList<>();
        for (String statement : script.split("\n|;|&&|\\|\\|")) {
            if (!statement.contains("kafka-topics.sh") || !statement.contains("--create")) {
                continue;
            }
            List<String> words = new ArrayList<>();
            for (String w : statement.strip().split("\\s+")) {
                String unquoted = w.replaceAll("^['\"]|['\"]$", "");
                int eq = unquoted.indexOf('=');
                if (unquoted.startsWith("--") && eq > 0) {
                    words.add(unquoted.substring(0, eq));
                    words.add(unquoted.substring(eq + 1));
                } else {
                    words.add(unquoted);
                }
            }
            out.add(words);
        }
        assertFalse(out.isEmpty(), "the init service runs no kafka-topics.sh --create");
        return out;
    }

    private static String option(List<String> words, String name) {
        int i = words.indexOf(name);
        return i < 0 || i + 1 >= words.size() ? null : words.get(i + 1);
    }
}

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
        Map<String, Map<String, String>> expectedConfigs = contractConfigs();

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
        Map<String, Map<String, String>> createdConfigs = new TreeMap<>();
        for (List<String> words : invocations(init, "kafka-topics.sh", "--create")) {
            String topic = option(words, "--topic");
            String partitions = option(words, "--partitions");
            assertNotNull(topic, "kafka-topics.sh --create without --topic: " + words);
            assertNotNull(partitions, "no --partitions for " + topic + " (the broker default would apply)");
            assertTrue(
                    words.contains("--if-not-exists"), topic + ": --if-not-exists keeps a rerun of the init harmless");
            assertEquals("1", option(words, "--replication-factor"), topic + ": one broker, replication factor 1");
            assertEquals(bootstrap, option(words, "--bootstrap-server"), topic + ": created on another bootstrap");
            assertTrue(created.put(topic, Integer.parseInt(partitions)) == null, topic + " is created twice");
            Map<String, String> configs = new TreeMap<>();
            for (int i = words.indexOf("--config"); i >= 0; i = indexOf(words, "--config", i + 1)) {
                String[] kv = words.get(i + 1).split("=", 2);
                assertEquals(2, kv.length, topic + ": --config wants key=value, got " + words.get(i + 1));
                assertTrue(configs.put(kv[0], kv[1]) == null, topic + ": --config " + kv[0] + " given twice");
            }
            createdConfigs.put(topic, configs);
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
        assertEquals(expectedConfigs, createdConfigs, "--config of each topic differs from Topics.ALL's config");
    }

    /**
     * --if-not-exists leaves a topic of a kept kafka-data volume as it was: after the creations, the init sets every
     * topic's config to the chosen values with kafka-configs.sh.
     */
    @Test
    void topicInitBringsTheConfigOfExistingTopicsToTheContractValues() {
        String initName = topicInitServiceName();
        Map<String, Object> init = service(initName);
        String bootstrap = environment(service("data-ingest-service"), "data-ingest-service")
                .get("KAFKA_BOOTSTRAP_SERVERS");
        Map<String, Map<String, String>> altered = new TreeMap<>();
        for (List<String> words : invocations(init, "kafka-configs.sh", "--alter")) {
            String topic = option(words, "--entity-name");
            assertNotNull(topic, "kafka-configs.sh --alter without --entity-name: " + words);
            assertEquals("topics", option(words, "--entity-type"), topic + ": --entity-type");
            assertEquals(bootstrap, option(words, "--bootstrap-server"), topic + ": altered on another bootstrap");
            String add = option(words, "--add-config");
            assertNotNull(add, topic + ": kafka-configs.sh --alter without --add-config");
            assertFalse(add.contains("["), topic + ": a list value needs its own parsing here: " + add);
            Map<String, String> configs = new TreeMap<>();
            for (String pair : add.split(",")) {
                String[] kv = pair.split("=", 2);
                assertEquals(2, kv.length, topic + ": --add-config wants key=value, got " + pair);
                configs.put(kv[0], kv[1]);
            }
            assertTrue(altered.put(topic, configs) == null, topic + " is altered twice");
        }
        assertEquals(contractConfigs(), altered, "kafka-configs.sh --add-config differs from Topics.ALL's config");

        String script = initScript(init);
        for (Topics.Spec spec : Topics.ALL) {
            int create = script.indexOf("--topic " + spec.name() + " ");
            int alter = script.indexOf("--entity-name " + spec.name() + " ");
            assertTrue(create >= 0 && create < alter, spec.name() + ": altered before it is created");
        }
    }

    /** The README's retention table (Operations) says what Topics.ALL chose, one row per topic or group of topics. */
    @Test
    void theReadmeTableStatesEachTopicsPartitionsRetentionAndCleanup() throws java.io.IOException {
        Map<String, String> documented = new TreeMap<>();
        for (String line :
                java.nio.file.Files.readAllLines(DeployFiles.repoRoot().resolve("README.md"))) {
            String row = line.strip();
            if (!row.startsWith("| `cpt.")) {
                continue;
            }
            String[] cells = row.split("\\|");
            assertTrue(cells.length >= 5, "a topic row wants topic, partitions, retention and why: " + row);
            String retention = cells[3].strip();
            String retentionMs;
            var m = java.util.regex.Pattern.compile("^(kept|(\\d+) (day|hour)s?)\\b.*?(delete|compact)$")
                    .matcher(retention
                            .replaceAll("\\(.*?\\)", "")
                            .replaceAll(",", "")
                            .replaceAll("\\s+", " "));
            assertTrue(m.matches(), "retention cell not understood: " + retention);
            if (m.group(1).equals("kept")) {
                retentionMs = "-1";
            } else {
                long unit = m.group(3).equals("day") ? 86_400_000L : 3_600_000L;
                retentionMs = Long.toString(Long.parseLong(m.group(2)) * unit);
            }
            var names = java.util.regex.Pattern.compile("`(cpt\\.[^`]+)`").matcher(cells[1]);
            while (names.find()) {
                String described = cells[2].strip() + " " + retentionMs + " " + m.group(4);
                assertTrue(documented.put(names.group(1), described) == null, names.group(1) + " has two rows");
            }
        }
        Map<String, String> chosen = new TreeMap<>();
        Topics.ALL.forEach(spec ->
                chosen.put(spec.name(), spec.partitions() + " " + spec.retentionMs() + " " + spec.cleanupPolicy()));
        assertEquals(chosen, documented, "README's topic table (partitions retention.ms cleanup) vs Topics.ALL");
    }

    private static Map<String, Map<String, String>> contractConfigs() {
        Map<String, Map<String, String>> out = new TreeMap<>();
        Topics.ALL.forEach(spec -> out.put(spec.name(), new TreeMap<>(spec.config())));
        return out;
    }

    private static int indexOf(List<String> words, String word, int from) {
        int i = words.subList(from, words.size()).indexOf(word);
        return i < 0 ? -1 : from + i;
    }

    private static String initScript(Map<String, Object> init) {
        return (commandText(init.get("entrypoint")) + "\n" + commandText(init.get("command"))).replace("\\\n", " ");
    }

    /** Each `<tool> ... <action> ...` invocation of the init service, split into words. */
    private static List<List<String>> invocations(Map<String, Object> init, String tool, String action) {
        List<List<String>> out = new ArrayList<>();
        for (String statement : initScript(init).split("\n|;|&&|\\|\\|")) {
            if (!statement.contains(tool) || !statement.contains(action)) {
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
        assertFalse(out.isEmpty(), "the init service runs no " + tool + " " + action);
        return out;
    }

    private static String option(List<String> words, String name) {
        int i = words.indexOf(name);
        return i < 0 || i + 1 >= words.size() ? null : words.get(i + 1);
    }
}

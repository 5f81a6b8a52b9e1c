package dev.cpt.e2e;

import static dev.cpt.e2e.DeployFiles.asList;
import static dev.cpt.e2e.DeployFiles.asMap;
import static dev.cpt.e2e.DeployFiles.commandText;
import static dev.cpt.e2e.DeployFiles.containerPorts;
import static dev.cpt.e2e.DeployFiles.environment;
import static dev.cpt.e2e.DeployFiles.healthcheckCommand;
import static dev.cpt.e2e.DeployFiles.hostPathOf;
import static dev.cpt.e2e.DeployFiles.listOrEmpty;
import static dev.cpt.e2e.DeployFiles.map;
import static dev.cpt.e2e.DeployFiles.mapOrEmpty;
import static dev.cpt.e2e.DeployFiles.mounts;
import static dev.cpt.e2e.DeployFiles.read;
import static dev.cpt.e2e.DeployFiles.str;
import static dev.cpt.e2e.DeployFiles.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cpt.contracts.Topics;
import dev.cpt.contracts.TrainingBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The deployment files (docker-compose.yml, the services' Dockerfile.jvm, deploy/prometheus,
 * deploy/grafana) checked against each other and against the code, without a Docker engine: what
 * would otherwise only break at {@code docker compose up}, or silently on a dashboard, fails here.
 */
class DockerComposeStructureTest {

    /** Compose service name to HTTP port; the module folder has the same name. */
    private static final Map<String, Integer> SERVICES = orderedMap(
            "data-ingest-service", 8081,
            "mixer-service", 8082,
            "trainer-service", 8083,
            "eval-service", 8084,
            "reward-service", 8085);

    /** The GPU trainer: its own compose service, built from trainer-service, same port. */
    private static final String GPU_TRAINER = "trainer-service-gpu";

    private static final String KAFKA = "kafka";

    /** Metric names (Prometheus form) the services export; dashboards and alerts may use only these. */
    private static final Set<String> KNOWN_METRICS = Set.of(
            "up",
            "kafka_consumer_fetch_manager_records_lag_max",
            "cpt_ingest_documents_total",
            "cpt_ingest_bytes_total",
            "cpt_ingest_tokens_total",
            "cpt_ingest_rejects_total",
            "cpt_ingest_received_total",
            "cpt_ingest_duplicates_total",
            "cpt_ingest_quality_bucket",
            "cpt_ingest_files_total",
            "cpt_mixer_documents_total",
            "cpt_mixer_batches_total",
            "cpt_mixer_rounds_total",
            "cpt_mixer_weight",
            "cpt_mixer_buffered_tokens",
            "cpt_mixer_replay_share",
            "cpt_mixer_tokens_total",
            "cpt_mixer_reservoir_tokens",
            "cpt_mixer_reservoir_documents",
            "cpt_mixer_reservoir_memory_tokens",
            "cpt_mixer_policy_reward",
            "cpt_mixer_policy_fallbacks_total",
            "cpt_mixer_round",
            "cpt_mixer_rounds_failed_total",
            "cpt_mixer_feedback_total",
            "cpt_mixer_documents_skipped_total",
            "cpt_trainer_loss",
            "cpt_trainer_tokens_total",
            "cpt_trainer_step",
            "cpt_trainer_learning_rate",
            "cpt_trainer_grad_norm",
            "cpt_trainer_skipped_steps_total",
            "cpt_trainer_checkpoints_total",
            "cpt_trainer_tokens_per_second",
            "cpt_trainer_rollbacks_total",
            "cpt_trainer_learning_rate_scale",
            "cpt_trainer_checkpoint_write_seconds_sum",
            "cpt_trainer_checkpoint_write_seconds_count",
            "cpt_eval_loss",
            "cpt_eval_perplexity",
            "cpt_eval_reports_total",
            "cpt_eval_forgetting",
            "cpt_eval_forgetting_vs_base",
            "cpt_eval_bwt",
            "cpt_eval_fwt",
            "cpt_eval_matrix",
            "cpt_eval_stability_gap_depth",
            "cpt_eval_stability_gap_recovery_steps",
            "cpt_eval_release_step",
            "cpt_eval_last_good_release_step",
            "cpt_eval_regression",
            "cpt_eval_heldout_tokens_per_second",
            "cpt_eval_checkpoint_to_report_seconds_sum",
            "cpt_eval_checkpoint_to_report_seconds_count",
            "cpt_reward_requests_total",
            "cpt_reward_score_count",
            "cpt_reward_score_sum",
            "cpt_reward_score_max",
            "cpt_reward_term_sum",
            "cpt_reward_term_count",
            "cpt_reward_batch_size_sum",
            "cpt_reward_batch_size_count",
            "cpt_reward_latency_seconds_sum",
            "cpt_reward_latency_seconds_count",
            "cpt_reward_forward_seconds_sum",
            "cpt_reward_forward_seconds_count",
            "cpt_reward_queue_depth",
            "cpt_reward_rejects_total",
            "cpt_grpo_reward_mean",
            "cpt_grpo_heldout_reward",
            "cpt_grpo_kl",
            "cpt_grpo_clip_fraction",
            "cpt_grpo_advantage_std",
            "cpt_grpo_groups_used_total",
            "cpt_grpo_zero_std_groups_total",
            "cpt_grpo_stale_groups_total",
            "cpt_grpo_late_rewards_total",
            "cpt_grpo_steps_total",
            "cpt_grpo_policy_version");

    /** What each dashboard (by uid) must show at the least. */
    private static final Map<String, Set<String>> DASHBOARD_METRICS = orderedMap(
            "cpt-pipeline",
                    Set.of(
                            "cpt_ingest_documents_total",
                            "cpt_mixer_documents_total",
                            "cpt_ingest_rejects_total",
                            "cpt_ingest_duplicates_total",
                            "cpt_ingest_quality_bucket",
                            "up"),
            "cpt-training",
                    Set.of(
                            "cpt_trainer_loss",
                            "cpt_trainer_tokens_per_second",
                            "cpt_trainer_learning_rate",
                            "cpt_trainer_grad_norm",
                            "cpt_trainer_skipped_steps_total",
                            "cpt_trainer_checkpoints_total",
                            "kafka_consumer_fetch_manager_records_lag_max"),
            "cpt-mixing",
                    Set.of(
                            "cpt_mixer_weight",
                            "cpt_mixer_buffered_tokens",
                            "cpt_mixer_rounds_total",
                            "cpt_mixer_replay_share",
                            "cpt_mixer_reservoir_tokens",
                            "cpt_mixer_policy_reward"),
            "cpt-forgetting",
                    Set.of(
                            "cpt_eval_loss",
                            "cpt_eval_perplexity",
                            "cpt_eval_forgetting",
                            "cpt_eval_forgetting_vs_base",
                            "cpt_eval_bwt",
                            "cpt_eval_fwt",
                            "cpt_eval_matrix",
                            "cpt_eval_stability_gap_depth",
                            "cpt_eval_regression"),
            "cpt-reward",
                    Set.of(
                            "cpt_reward_requests_total",
                            "cpt_reward_score_sum",
                            "cpt_reward_score_count",
                            "cpt_reward_term_sum",
                            "cpt_reward_latency_seconds_sum",
                            "cpt_reward_rejects_total",
                            "cpt_grpo_reward_mean",
                            "cpt_grpo_heldout_reward",
                            "cpt_grpo_kl",
                            "cpt_grpo_stale_groups_total"));

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root = DeployFiles.repoRoot();

    // ------------------------------------------------------------------------------------------
    // docker-compose.yml
    // ------------------------------------------------------------------------------------------

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
    void fiveServicesBuildFromTheirModuleWithTheirDockerfile() {
        allServiceNames().forEach(name -> {
            Map<String, Object> service = service(name);
            int port = portOf(name);
            String module = moduleOf(name);

            Map<String, Object> build = map(service, "build", name);
            Path context = root.resolve(str(build.get("context"))).normalize();
            assertEquals(root.resolve(module), context, name + ": build context should be its module folder");
            assertTrue(Files.isDirectory(context), name + ": build context " + context + " does not exist");
            assertEquals("src/main/docker/Dockerfile.jvm", str(build.get("dockerfile")), name + ": dockerfile");
            Path dockerfile = context.resolve(str(build.get("dockerfile")));
            assertTrue(Files.isRegularFile(dockerfile), name + ": " + dockerfile + " does not exist");

            String df = read(dockerfile);
            assertTrue(
                    Pattern.compile("(?m)^FROM\\s+(eclipse-temurin:17-jre\\S*"
                                    + "|registry\\.access\\.redhat\\.com/ubi\\d+/openjdk-17-runtime\\S*)\\s*$")
                            .matcher(df)
                            .find(),
                    dockerfile + ": base image should be eclipse-temurin:17-jre or ubi openjdk-17-runtime");
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
                String configured = properties(props).getProperty("quarkus.http.port");
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
                Path dockerfile = root.resolve(moduleOf(name)).resolve("src/main/docker/Dockerfile.jvm");
                assertTrue(
                        read(dockerfile).contains("command -v " + tool),
                        dockerfile + " must guarantee " + tool + ", which the healthcheck of " + name + " runs");
            }
        });
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
        assertEquals(
                service("trainer-service").get("build"), gpu.get("build"), "both trainers should run the same image");
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

    // ------------------------------------------------------------------------------------------
    // Prometheus
    // ------------------------------------------------------------------------------------------

    @Test
    void prometheusScrapesEveryServiceAtQMetricsOnItsPort() {
        Map<String, Object> config = yaml(prometheusConfigFile());
        List<Object> scrapeConfigs = asList(config.get("scrape_configs"), "scrape_configs");

        allServiceNames().forEach(name -> {
            String target = name + ":" + portOf(name);
            List<String> jobs = new ArrayList<>();
            for (Object o : scrapeConfigs) {
                Map<String, Object> job = asMap(o, "scrape_config");
                if (scrapeTargets(job).contains(target)) {
                    jobs.add(str(job.get("job_name")));
                    assertEquals(
                            "/q/metrics",
                            str(job.get("metrics_path")),
                            "job " + job.get("job_name") + " scrapes " + target + " at the default /metrics");
                }
            }
            assertEquals(1, jobs.size(), target + " should be scraped by exactly one job, is by " + jobs);
        });
    }

    @Test
    void prometheusLoadsAlertRulesCoveringForgettingLagSkippedStepsAndDownServices() {
        List<Map<String, Object>> groups = new ArrayList<>();
        for (Path host : ruleFiles()) {
            for (Object g : asList(yaml(host).get("groups"), host + " groups")) {
                groups.add(asMap(g, "group"));
            }
        }
        assertTrue(groups.size() >= 4, "expected at least four alert groups, found " + groups.size());

        for (Map<String, Object> group : groups) {
            String groupName = str(group.get("name"));
            assertTrue(groupName != null && !groupName.isBlank(), "alert group without a name");
            List<Object> rules = asList(group.get("rules"), groupName + ".rules");
            assertFalse(rules.isEmpty(), "alert group " + groupName + " has no rules");
            for (Object r : rules) {
                Map<String, Object> rule = asMap(r, groupName + " rule");
                String alert = str(rule.get("alert"));
                assertTrue(alert != null && !alert.isBlank(), groupName + ": a rule without an alert name");
                String expr = str(rule.get("expr"));
                DeployPromQl.problem(expr).ifPresent(p -> fail("alert " + alert + ": " + p + " in " + expr));
                assertNotNull(mapOrEmpty(rule, "labels", alert).get("severity"), alert + " has no severity label");
                assertNotNull(mapOrEmpty(rule, "annotations", alert).get("summary"), alert + " has no summary");
            }
        }

        Map<String, Predicate<String>> concerns = new LinkedHashMap<>();
        concerns.put(
                "forgetting over a threshold",
                expr -> DeployPromQl.metricNames(expr).contains("cpt_eval_forgetting") && expr.contains(">"));
        // The Kafka client tags fetch metrics with the topic as is and, in its older form, with
        // dots replaced by underscores; the rule must select the batches topic either way.
        concerns.put(
                "consumer lag on " + TrainingBatch.TOPIC,
                expr -> DeployPromQl.metricNames(expr).contains("kafka_consumer_fetch_manager_records_lag_max")
                        && DeployPromQl.labelMatcher(expr, "topic")
                                .map(m -> m.selects(TrainingBatch.TOPIC)
                                        && m.selects(TrainingBatch.TOPIC.replace('.', '_')))
                                .orElse(false));
        concerns.put(
                "skipped (NaN) training steps increasing",
                expr -> DeployPromQl.metricNames(expr).contains("cpt_trainer_skipped_steps_total")
                        && expr.matches("(?s).*\\b(increase|rate|irate|delta|deriv)\\s*\\(.*"));
        concerns.put("a service down", expr -> expr.matches("(?s).*(?<![\\w:])up\\s*(\\{[^}]*})?\\s*==\\s*0.*"));
        Set<String> coveringGroups = new LinkedHashSet<>();
        concerns.forEach((concern, matches) -> {
            Optional<String> group = groups.stream()
                    .filter(g -> asList(g.get("rules"), "rules").stream()
                            .anyMatch(r -> matches.test(str(asMap(r, "rule").get("expr")))))
                    .map(g -> str(g.get("name")))
                    .findFirst();
            assertTrue(group.isPresent(), "no alert rule for " + concern);
            coveringGroups.add(group.get());
        });
        assertEquals(
                concerns.size(),
                coveringGroups.size(),
                "each concern should have its own alert group, found " + coveringGroups);
    }

    // ------------------------------------------------------------------------------------------
    // Grafana
    // ------------------------------------------------------------------------------------------

    @Test
    void grafanaProvisioningExistsAndPointsAtTheMountedDashboards() {
        Map<String, Object> grafana = service("grafana");
        Path provisioning = hostPathOf(root, grafana, "grafana", "/etc/grafana/provisioning")
                .orElseGet(() -> fail("nothing mounted at /etc/grafana/provisioning"));
        assertEquals(root.resolve("deploy/grafana/provisioning"), provisioning, "provisioning source");

        Map<String, Object> datasource = prometheusDatasource();
        String url = str(datasource.get("url"));
        Matcher hostPort = Pattern.compile("^https?://([^:/]+):(\\d+)").matcher(url == null ? "" : url);
        assertTrue(hostPort.find(), "datasource url " + url + " names no host:port");
        Map<String, Object> prometheus = service(hostPort.group(1));
        assertTrue(
                containerPorts(prometheus, hostPort.group(1)).contains(Integer.parseInt(hostPort.group(2))),
                "the datasource points at a port prometheus does not listen on: " + url);

        Path dashboardsYml = provisioning.resolve("dashboards/dashboards.yml");
        List<Object> providers = asList(yaml(dashboardsYml).get("providers"), "providers");
        assertFalse(providers.isEmpty(), dashboardsYml + " has no provider");
        for (Object p : providers) {
            Map<String, Object> provider = asMap(p, "provider");
            assertEquals("file", str(provider.getOrDefault("type", "file")), "provider type");
            String path = str(map(provider, "options", "provider").get("path"));
            assertNotNull(path, "provider " + provider.get("name") + " has no options.path");
            Path host = hostPathOf(root, grafana, "grafana", path)
                    .orElseGet(() -> fail("the dashboards provider reads " + path + ", where nothing is mounted"));
            assertEquals(dashboardsDir(), host, "the provider path " + path + " should be deploy/grafana/dashboards");
            assertTrue(dashboardFiles().size() >= 5, "expected five dashboards in " + host);
        }

        String home = environment(grafana, "grafana").get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH");
        if (home != null) {
            Path host = hostPathOf(root, grafana, "grafana", home).orElseGet(() -> fail(home + " is not mounted"));
            assertTrue(Files.isRegularFile(host), "home dashboard " + host + " does not exist");
        }
    }

    @Test
    void everyDashboardHasTitleUidPanelsAndPlausibleQueries() {
        String datasourceUid = str(prometheusDatasource().get("uid"));
        Set<String> uids = new LinkedHashSet<>();
        for (Path file : dashboardFiles()) {
            JsonNode dashboard = dashboard(file);
            String title = dashboard.path("title").asText("");
            String uid = dashboard.path("uid").asText("");
            assertFalse(title.isBlank(), file + " has no title");
            assertFalse(uid.isBlank(), file + " has no uid");
            assertTrue(uid.length() <= 40, file + ": Grafana uids are at most 40 characters");
            assertTrue(uids.add(uid), file + " reuses the uid " + uid);

            List<JsonNode> panels = panels(dashboard);
            assertFalse(panels.isEmpty(), file + " has no panels");
            for (JsonNode panel : panels) {
                String where = file.getFileName() + " / " + panel.path("title").asText("(untitled)");
                assertDatasource(panel.path("datasource"), datasourceUid, where);
                List<String> exprs = new ArrayList<>();
                for (JsonNode target : panel.path("targets")) {
                    assertDatasource(target.path("datasource"), datasourceUid, where);
                    String expr = target.path("expr").asText("");
                    if (!expr.isBlank()) {
                        DeployPromQl.problem(expr).ifPresent(p -> fail(where + ": " + p + " in " + expr));
                        exprs.add(expr);
                    }
                }
                assertFalse(exprs.isEmpty(), where + " has no query (targets[].expr)");
            }
            for (JsonNode variable : dashboard.path("templating").path("list")) {
                if ("query".equals(variable.path("type").asText())) {
                    assertDatasource(
                            variable.path("datasource"), datasourceUid, file + " variable " + variable.path("name"));
                }
            }
        }
    }

    @Test
    void dashboardsShowWhatEachIsFor() {
        Map<String, Set<String>> shown = new HashMap<>();
        for (Path file : dashboardFiles()) {
            JsonNode dashboard = dashboard(file);
            shown.put(
                    dashboard.path("uid").asText(),
                    exprs(dashboard).stream()
                            .flatMap(e -> DeployPromQl.metricNames(e).stream())
                            .collect(Collectors.toSet()));
        }
        DASHBOARD_METRICS.forEach((uid, metrics) -> {
            assertTrue(shown.containsKey(uid), "no dashboard with uid " + uid);
            Set<String> missing = new TreeSet<>(metrics);
            missing.removeAll(shown.get(uid));
            assertTrue(missing.isEmpty(), "dashboard " + uid + " shows none of " + missing);
        });
        assertTrue(
                exprs(dashboardByUid("cpt-reward")).stream()
                        .anyMatch(e -> e.matches("(?s).*cpt_reward_score_sum.*/.*cpt_reward_score_count.*")),
                "the reward dashboard should show the mean reward as score_sum / score_count");
    }

    @Test
    void dashboardsAndAlertsNameOnlyKnownMetrics() {
        Map<String, Set<String>> unknown = new TreeMap<>();
        for (Path file : dashboardFiles()) {
            for (String expr : exprs(dashboard(file))) {
                collectUnknown(unknown, file.getFileName().toString(), expr);
            }
        }
        for (Path host : ruleFiles()) {
            for (Object g : asList(yaml(host).get("groups"), "groups")) {
                for (Object r : asList(asMap(g, "group").get("rules"), "rules")) {
                    collectUnknown(
                            unknown,
                            host.getFileName().toString(),
                            str(asMap(r, "rule").get("expr")));
                }
            }
        }
        assertTrue(unknown.isEmpty(), "metrics no service exports (typo, or add them to KNOWN_METRICS): " + unknown);
    }

    // ------------------------------------------------------------------------------------------
    // docker compose itself, where it is installed
    // ------------------------------------------------------------------------------------------

    /**
     * {@code docker compose config} needs only the CLI and its compose plugin, no daemon. Where
     * neither the plugin nor a v2 standalone docker-compose is installed (as on the build machine
     * this was written on), the check is skipped; the structural tests above still run.
     */
    @Test
    void dockerComposeConfigAcceptsTheFileWhereComposeIsInstalled() {
        Optional<List<String>> compose = composeCommand();
        assumeTrue(compose.isPresent(), "no `docker compose` plugin nor docker-compose v2 on PATH: skipped");
        List<String> command = new ArrayList<>(compose.get());
        command.addAll(
                List.of("-f", root.resolve("docker-compose.yml").toString(), "--profile", "gpu", "config", "-q"));
        Run run = run(command, 120);
        assertTrue(run.finished(), "timed out: " + command);
        assertEquals(0, run.exitCode(), String.join(" ", command) + " failed:\n" + run.output());
    }

    // ------------------------------------------------------------------------------------------
    // helpers
    // ------------------------------------------------------------------------------------------

    private Map<String, Object> compose() {
        return yaml(root.resolve("docker-compose.yml"));
    }

    private Map<String, Object> services() {
        return map(compose(), "services", "compose");
    }

    private Map<String, Object> service(String name) {
        Object def = services().get(name);
        assertNotNull(def, "docker-compose.yml has no service " + name);
        return asMap(def, "services." + name);
    }

    private static List<String> allServiceNames() {
        List<String> names = new ArrayList<>(SERVICES.keySet());
        names.add(GPU_TRAINER);
        return names;
    }

    private static int portOf(String service) {
        return SERVICES.get(moduleOf(service));
    }

    private static String moduleOf(String service) {
        return service.equals(GPU_TRAINER) ? "trainer-service" : service;
    }

    /** The one service that runs kafka-topics.sh --create. */
    private String topicInitServiceName() {
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

    private String containerConfigFile() {
        for (String arg : commandText(service("prometheus").get("command")).split("\\s+")) {
            if (arg.startsWith("--config.file=")) {
                return arg.substring("--config.file=".length());
            }
        }
        return "/etc/prometheus/prometheus.yml";
    }

    private Path prometheusConfigFile() {
        String containerPath = containerConfigFile();
        Path host = hostPathOf(root, service("prometheus"), "prometheus", containerPath)
                .orElseGet(() -> fail(containerPath + " is not mounted into the prometheus container"));
        assertEquals(root.resolve("deploy/prometheus/prometheus.yml"), host, "Prometheus config source");
        return host;
    }

    /** The rule files prometheus.yml names, on the host, through the prometheus container's mounts. */
    private List<Path> ruleFiles() {
        List<Object> ruleFiles = asList(yaml(prometheusConfigFile()).get("rule_files"), "rule_files");
        assertFalse(ruleFiles.isEmpty(), "prometheus.yml names no rule file");
        String configDir =
                containerConfigFile().substring(0, containerConfigFile().lastIndexOf('/'));
        List<Path> out = new ArrayList<>();
        for (Object f : ruleFiles) {
            String containerPath = str(f).startsWith("/") ? str(f) : configDir + "/" + f;
            Path host = hostPathOf(root, service("prometheus"), "prometheus", containerPath)
                    .orElseGet(
                            () -> fail("rule file " + containerPath + " is not mounted into the prometheus container"));
            assertTrue(Files.isRegularFile(host), "rule file " + host + " does not exist");
            out.add(host);
        }
        return out;
    }

    /** host:port targets of a scrape job, from static_configs and dns_sd_configs (A/AAAA with a port). */
    private static Set<String> scrapeTargets(Map<String, Object> job) {
        Set<String> targets = new LinkedHashSet<>();
        String name = str(job.get("job_name"));
        for (Object sc : listOrEmpty(job, "static_configs", name)) {
            listOrEmpty(asMap(sc, name + ".static_configs"), "targets", name).forEach(t -> targets.add(str(t)));
        }
        for (Object dc : listOrEmpty(job, "dns_sd_configs", name)) {
            Map<String, Object> dns = asMap(dc, name + ".dns_sd_configs");
            Object port = dns.get("port");
            listOrEmpty(dns, "names", name).forEach(n -> targets.add(n + ":" + port));
        }
        return targets;
    }

    private Map<String, Object> prometheusDatasource() {
        Path file = root.resolve("deploy/grafana/provisioning/datasources/prometheus.yml");
        List<Object> datasources = asList(yaml(file).get("datasources"), file + " datasources");
        Map<String, Object> ds = datasources.stream()
                .map(d -> asMap(d, "datasource"))
                .filter(d -> "prometheus".equals(str(d.get("type"))))
                .findFirst()
                .orElseGet(() -> fail(file + " provisions no prometheus datasource"));
        assertFalse(
                str(ds.getOrDefault("uid", "")).isBlank(), "the dashboards reference the datasource by uid: set one");
        return ds;
    }

    private Path dashboardsDir() {
        return root.resolve("deploy/grafana/dashboards");
    }

    private List<Path> dashboardFiles() {
        try (Stream<Path> files = Files.list(dashboardsDir())) {
            List<Path> json =
                    files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
            assertTrue(json.size() >= 5, "expected at least five dashboards in " + dashboardsDir() + ", found " + json);
            return json;
        } catch (IOException e) {
            return fail("cannot list " + dashboardsDir(), e);
        }
    }

    private static JsonNode dashboard(Path file) {
        try {
            JsonNode node = JSON.readTree(file.toFile());
            assertTrue(node != null && node.isObject(), file + " is not a JSON object");
            return node;
        } catch (IOException e) {
            return fail(file + " does not parse as JSON: " + e.getMessage(), e);
        }
    }

    private JsonNode dashboardByUid(String uid) {
        return dashboardFiles().stream()
                .map(DockerComposeStructureTest::dashboard)
                .filter(d -> uid.equals(d.path("uid").asText()))
                .findFirst()
                .orElseGet(() -> fail("no dashboard with uid " + uid));
    }

    /** Panels, including those nested in (collapsed) rows, without the rows themselves. */
    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            if ("row".equals(p.path("type").asText())) {
                p.path("panels").forEach(out::add);
            } else {
                out.add(p);
            }
        }
        return out;
    }

    private static List<String> exprs(JsonNode dashboard) {
        List<String> out = new ArrayList<>();
        for (JsonNode panel : panels(dashboard)) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText("");
                if (!expr.isBlank()) {
                    out.add(expr);
                }
            }
        }
        return out;
    }

    /** A datasource reference, where present, must be the provisioned Prometheus by uid. */
    private static void assertDatasource(JsonNode ref, String uid, String where) {
        if (ref.isMissingNode() || ref.isNull()) {
            return;
        }
        assertTrue(ref.isObject(), where + ": datasource should be {type, uid}, not the name " + ref);
        assertEquals(uid, ref.path("uid").asText(), where + ": datasource uid");
    }

    private static void collectUnknown(Map<String, Set<String>> unknown, String where, String expr) {
        for (String metric : DeployPromQl.metricNames(expr)) {
            if (!KNOWN_METRICS.contains(metric)) {
                unknown.computeIfAbsent(where, k -> new TreeSet<>()).add(metric);
            }
        }
    }

    private static Set<String> csv(String value) {
        Set<String> out = new LinkedHashSet<>();
        if (value != null) {
            for (String part : value.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.strip());
                }
            }
        }
        return out;
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

    private static Properties properties(Path file) {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            fail("cannot read " + file, e);
        }
        return p;
    }

    private record Run(boolean finished, int exitCode, String output) {}

    private Run run(List<String> command, int timeoutSeconds) {
        try {
            Path out = Files.createTempFile("deploy-check", ".log");
            try {
                Process p = new ProcessBuilder(command)
                        .directory(root.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile())
                        .start();
                boolean finished = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
                if (!finished) {
                    p.destroyForcibly();
                }
                return new Run(finished, finished ? p.exitValue() : -1, Files.readString(out));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            return new Run(true, -1, String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Run(false, -1, "interrupted");
        }
    }

    /** `docker compose` (the CLI plugin) or a standalone docker-compose v2, whichever works here. */
    private Optional<List<String>> composeCommand() {
        Run plugin = run(List.of("docker", "compose", "version"), 30);
        if (plugin.finished() && plugin.exitCode() == 0) {
            return Optional.of(List.of("docker", "compose"));
        }
        // v1 (docker-compose 1.x) predates the compose spec this file follows (top-level name).
        Run standalone = run(List.of("docker-compose", "version", "--short"), 30);
        if (standalone.finished()
                && standalone.exitCode() == 0
                && standalone.output().strip().matches("v?[2-9]\\..*")) {
            return Optional.of(List.of("docker-compose"));
        }
        return Optional.empty();
    }

    @SuppressWarnings("unchecked")
    private static <K, V> Map<K, V> orderedMap(Object... keysAndValues) {
        Map<K, V> out = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            out.put((K) keysAndValues[i], (V) keysAndValues[i + 1]);
        }
        return out;
    }
}

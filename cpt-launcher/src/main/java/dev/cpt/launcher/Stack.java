package dev.cpt.launcher;

import dev.cpt.contracts.Topics;
import dev.cpt.kafka.EmbeddedKafka;
import dev.cpt.kafka.clients.KafkaClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/**
 * The embedded stack on one machine: a real Kafka broker (KRaft) and the five services, each its own child JVM.
 * Separate processes keep each service's class path its own (five Quarkus applications), let a drill kill one
 * service like a crash, and behave as the services do in production, one per container.
 */
public final class Stack implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Stack.class.getName());
    static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    /** Kubernetes' defaults for a liveness probe: every 10 s, restarted after 3 failures in a row. */
    static final Duration LIVENESS_PERIOD = Duration.ofSeconds(10);

    static final int LIVENESS_FAILURES = 3;

    private final StackOptions options;
    private final EmbeddedKafka kafka;
    private final Map<Service, ServiceProcess> services = new EnumMap<>(Service.class);
    private volatile Supervisor supervisor;
    private final Thread shutdownHook = new Thread(this::stopAll, "stop-embedded-stack");

    private Stack(StackOptions options, EmbeddedKafka kafka) {
        this.options = options;
        this.kafka = kafka;
    }

    public static Stack start(StackOptions options) {
        java.nio.file.Path kafkaDir = options.dataDir().resolve("kafka");
        // the services' ports are released until each service binds its own: the broker's controller must not take one
        java.util.Set<Integer> servicePorts =
                java.util.Set.copyOf(options.ports().values());
        EmbeddedKafka kafka = options.kafkaUser() == null
                ? EmbeddedKafka.start(kafkaDir, options.kafkaPort(), servicePorts)
                : EmbeddedKafka.startSaslSsl(kafkaDir, options.kafkaPort(), options.kafkaUser(), servicePorts);
        Stack stack = new Stack(options, kafka);
        Runtime.getRuntime().addShutdownHook(stack.shutdownHook);
        try {
            kafka.createTopics(Topics.ALL);
            stack.startServices();
            StackFile.of(stack).write(options.dataDir());
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private void startServices() {
        Map<String, String> env = new HashMap<>(kafkaEnvironment());
        env.put(
                "CPT_STORE_ROOT",
                options.dataDir().resolve("checkpoints").toAbsolutePath().toString());
        env.put("CPT_PARENT_PID", Long.toString(ProcessHandle.current().pid()));
        if (System.getenv("OMP_WAIT_POLICY") == null) {
            // Three services run libtorch on cores they share: OpenMP threads that sleep when their work is done,
            // rather than spin for the next, leave those cores to the others. A user's own setting wins.
            env.put("OMP_WAIT_POLICY", "PASSIVE");
        }
        for (Service s : Service.values()) {
            int port = options.ports().get(s);
            Map<String, String> props = new java.util.HashMap<>(stateDirectories());
            props.putAll(options.properties());
            props.put("quarkus.http.port", Integer.toString(port));
            ServiceProcess process = new ServiceProcess(
                    s,
                    s.runnableJar(options.repoRoot()),
                    port,
                    env,
                    props,
                    options.dataDir().resolve("logs").resolve(s.module() + ".log"));
            services.put(s, process);
            process.start();
        }
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        for (ServiceProcess p : services.values()) {
            ready.add(CompletableFuture.runAsync(() -> p.awaitReady(READY_TIMEOUT)));
        }
        try {
            CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        supervisor = new Supervisor(List.copyOf(services.values()), LIVENESS_FAILURES, READY_TIMEOUT);
        supervisor.start(LIVENESS_PERIOD);
        LOG.info(() -> "stack ready: Kafka on " + kafka.bootstrapServers() + ", services on ports " + options.ports());
    }

    /** Everything a service keeps on disk goes under the stack's data directory, never the working directory. */
    private Map<String, String> stateDirectories() {
        return Map.of(
                "cpt.ingest.state-dir",
                        options.dataDir()
                                .resolve("ingest-state")
                                .toAbsolutePath()
                                .toString(),
                "cpt.ingest.inbox.dir", inbox().toString(),
                "cpt.mixer.state-dir",
                        options.dataDir()
                                .resolve("mixer-state")
                                .toAbsolutePath()
                                .toString(),
                "cpt.eval.state-dir",
                        options.dataDir().resolve("eval-state").toAbsolutePath().toString());
    }

    /** The watched directory: files dropped here are ingested once (a first-level folder names their domain). */
    public java.nio.file.Path inbox() {
        return options.dataDir().resolve("inbox").toAbsolutePath();
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    /**
     * The {@code KAFKA_*} variables the stack sets in every service's environment (over those the service inherits):
     * the broker's bootstrap servers, what its listener needs ({@link EmbeddedKafka#clientSecurity()}: SASL_SSL, the
     * SCRAM login and the truststore when it is secured) and {@link StackOptions#kafkaClient()} on top.
     */
    public Map<String, String> kafkaEnvironment() {
        Map<String, String> config = new HashMap<>(kafka.clientSecurity());
        config.putAll(options.kafkaClient());
        config.put("bootstrap.servers", kafka.bootstrapServers());
        return KafkaClients.environmentVariables(config);
    }

    /**
     * The launcher's own Kafka clients (topic watchers, the demo's producers), configured exactly as the services'
     * channels are: from the {@code KAFKA_*} environment variables the services inherit and those the stack gives them
     * ({@link #kafkaEnvironment()}).
     */
    public KafkaClients kafkaClients() {
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.putAll(kafkaEnvironment());
        return KafkaClients.fromEnvironment(environment, kafka.bootstrapServers(), "cpt-launcher");
    }

    public ServiceProcess service(Service s) {
        return services.get(s);
    }

    public StackOptions options() {
        return options;
    }

    /**
     * The supervisor first, so that nothing is restarted while the stack stops; then the services, so they can finish
     * their work against a live broker; then the broker.
     */
    private synchronized void stopAll() {
        if (supervisor != null) {
            supervisor.close();
        }
        List<CompletableFuture<Void>> stopping = new ArrayList<>();
        for (ServiceProcess p : services.values()) {
            stopping.add(CompletableFuture.runAsync(p::stop));
        }
        CompletableFuture.allOf(stopping.toArray(CompletableFuture[]::new)).join();
        kafka.stop();
    }

    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run: nothing left to do
        }
    }
}

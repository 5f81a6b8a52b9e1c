package dev.cpt.launcher;

import dev.cpt.common.tokenizer.TokenizerIdentity;
import dev.cpt.kafka.ScramUser;
import dev.cpt.model.engine.ComputeDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the stack's files go and which ports it uses.
 *
 * @param repoRoot the checkout whose modules hold the built services
 * @param dataDir everything the stack writes: broker log, checkpoints, service logs
 * @param kafkaPort the broker's client port (0: any free port)
 * @param ports HTTP port of each service
 * @param properties configuration handed to every service as system properties (they override the defaults)
 * @param kafkaUser null: the broker's client listener is PLAINTEXT; else it accepts only SASL_SSL, with this SCRAM user
 *     (see {@link dev.cpt.kafka.EmbeddedKafka#startSaslSsl}), and every client logs in as it
 * @param kafkaClient Kafka client settings in Kafka's keys ({@code security.protocol}, {@code sasl.jaas.config},
 *     {@code ssl.truststore.location}...) for every client of the stack, on top of what the broker's listener needs:
 *     each service gets them as {@code KAFKA_*} environment variables, and the launcher's own clients use them too
 */
public record StackOptions(
        Path repoRoot,
        Path dataDir,
        int kafkaPort,
        Map<Service, Integer> ports,
        Map<String, String> properties,
        ScramUser kafkaUser,
        Map<String, String> kafkaClient) {

    public StackOptions {
        ports = Map.copyOf(ports);
        properties = Map.copyOf(properties);
        kafkaClient = Map.copyOf(kafkaClient);
    }

    /** The embedded default: fixed well-known ports, data in {@code dataDir}. */
    public static StackOptions defaults(Path repoRoot, Path dataDir) {
        Map<Service, Integer> ports = new EnumMap<>(Service.class);
        for (Service s : Service.values()) {
            ports.put(s, s.defaultPort());
        }
        return new StackOptions(repoRoot, dataDir, 9092, ports, Map.of(), null, Map.of());
    }

    /**
     * Free ports everywhere, so a test stack never collides with a running one. The broker's port is chosen here with
     * the services' and all differ: a free port is free only until someone binds it, and the operating system hands
     * a just-released port out again.
     */
    public static StackOptions ephemeral(Path repoRoot, Path dataDir) {
        java.util.Set<Integer> taken = new java.util.HashSet<>();
        Map<Service, Integer> ports = new EnumMap<>(Service.class);
        for (Service s : Service.values()) {
            ports.put(s, distinctFreePort(taken));
        }
        return new StackOptions(repoRoot, dataDir, distinctFreePort(taken), ports, Map.of(), null, Map.of());
    }

    private static int distinctFreePort(java.util.Set<Integer> taken) {
        int port = dev.cpt.kafka.EmbeddedKafka.freePortExcept(taken);
        taken.add(port);
        return port;
    }

    public StackOptions with(String property, String value) {
        Map<String, String> p = new HashMap<>(properties);
        p.put(property, value);
        return new StackOptions(repoRoot, dataDir, kafkaPort, ports, p, kafkaUser, kafkaClient);
    }

    /**
     * The run's tokenizer for the services that cut and pack text, ingest and the mixer, from one setting: a Hugging
     * Face {@code tokenizer.json} or a directory holding one. They must agree with each other and with the model the
     * trainer loads, or documents and batches are dead-lettered (see {@link #withBaseModel}).
     */
    public StackOptions withTokenizer(Path tokenizer) {
        String file = tokenizer.toAbsolutePath().toString();
        return with("cpt.ingest.tokenizer-file", file).with("cpt.mixer.tokenizer-file", file);
    }

    /**
     * The trainer starts from {@code dir} (a checkpoint or a Hugging Face directory), and ingest and the mixer cut text
     * with its tokenizer: its {@code tokenizer.json} when it has one, bytes otherwise.
     */
    public StackOptions withBaseModel(Path dir) {
        StackOptions base = with("cpt.trainer.base-checkpoint", dir.toString());
        return Files.isRegularFile(dir.resolve(TokenizerIdentity.FILE)) ? base.withTokenizer(dir) : base;
    }

    /** Every service that runs a model (trainer, eval, reward) on {@code device}. */
    public StackOptions withDevice(ComputeDevice device) {
        return with("cpt.trainer.device", device.name())
                .with("cpt.eval.device", device.name())
                .with("cpt.reward.device", device.name());
    }

    /** The broker accepts only SASL_SSL with {@code user}, and every client of the stack logs in as it. */
    public StackOptions withSaslSsl(ScramUser user) {
        return new StackOptions(repoRoot, dataDir, kafkaPort, ports, properties, user, kafkaClient);
    }

    /** One Kafka client setting (Kafka's key, e.g. {@code sasl.jaas.config}) for every client of the stack. */
    public StackOptions withKafkaClient(String key, String value) {
        Map<String, String> c = new HashMap<>(kafkaClient);
        c.put(key, value);
        return new StackOptions(repoRoot, dataDir, kafkaPort, ports, properties, kafkaUser, c);
    }
}

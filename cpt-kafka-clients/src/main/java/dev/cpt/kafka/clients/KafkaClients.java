package dev.cpt.kafka.clients;

import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Builds every Kafka client the project opens by hand (those that are not SmallRye channels) from one configuration:
 * the one the channels use. That configuration carries the bootstrap servers and whatever else is set for all clients
 * ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}, sizes, timeouts), so a broker that needs SASL or TLS is
 * reached by these clients exactly as by the channels.
 *
 * <p>Each client's configuration is, later layers winning: the built-in defaults ({@link #MAX_MESSAGE_BYTES} as a
 * producer's {@code max.request.size}), the common configuration, the use's overrides (serializers, group id,
 * isolation level...), and {@code client.id} = {@code <prefix>-<purpose>}. The common configuration never carries a
 * {@code group.id} or {@code client.id}: in the channels' map the group id is the application's default for its
 * channels, and every client here names itself.
 *
 * <p>A service makes it from Quarkus's {@code default-kafka-broker} map ({@link #of}); the launcher from its
 * environment ({@link #fromEnvironment}), read the way Quarkus reads {@code KAFKA_*} variables.
 */
public final class KafkaClients {
    /**
     * The largest record the project's brokers accept ({@code message.max.bytes} of the embedded broker and of
     * docker-compose's): a producer's default {@code max.request.size}, so a round of large batches fits.
     */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    /** Keys of the channels' map that are not settings every client shares. */
    private static final Set<String> NOT_SHARED =
            Set.of(ConsumerConfig.GROUP_ID_CONFIG, CommonClientConfigs.CLIENT_ID_CONFIG);

    private static final String ENV_PREFIX = "kafka";

    private final Map<String, Object> common;
    private final String clientIdPrefix;

    private KafkaClients(Map<String, ?> config, String clientIdPrefix) {
        if (clientIdPrefix == null || clientIdPrefix.isBlank()) {
            throw new IllegalArgumentException("a client id prefix is required");
        }
        Map<String, Object> shared = new TreeMap<>();
        config.forEach((key, value) -> {
            if (value != null && !NOT_SHARED.contains(key)) {
                shared.put(key, value);
            }
        });
        if (!shared.containsKey(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new IllegalArgumentException(
                    "the Kafka configuration has no " + CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        }
        this.common = Collections.unmodifiableMap(shared);
        this.clientIdPrefix = clientIdPrefix;
    }

    /**
     * From a configuration in Kafka's own keys, such as the map SmallRye's channels are configured from (Quarkus's
     * {@code @Identifier("default-kafka-broker")}, built from every {@code kafka.*} property and {@code KAFKA_*}
     * variable).
     */
    public static KafkaClients of(Map<String, ?> config, String clientIdPrefix) {
        return new KafkaClients(config, clientIdPrefix);
    }

    /**
     * From environment variables as Quarkus reads them for the channels ({@link #environmentConfig}), with the
     * bootstrap servers given (the broker this process started) in place of any {@code KAFKA_BOOTSTRAP_SERVERS}.
     */
    public static KafkaClients fromEnvironment(
            Map<String, String> environment, String bootstrapServers, String clientIdPrefix) {
        Map<String, Object> config = new HashMap<>(environmentConfig(environment));
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return new KafkaClients(config, clientIdPrefix);
    }

    /**
     * The Kafka settings among environment variables, mapped as Quarkus maps them into the channels' default
     * configuration: every variable whose name starts with {@code KAFKA_} (in any case), without that prefix,
     * lower-cased, {@code _} replaced by {@code .}. {@code KAFKA_SASL_JAAS_CONFIG} becomes {@code sasl.jaas.config}.
     */
    public static Map<String, String> environmentConfig(Map<String, String> environment) {
        Map<String, String> config = new TreeMap<>();
        environment.forEach((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.length() > ENV_PREFIX.length() + 1
                    && lower.startsWith(ENV_PREFIX)
                    && lower.charAt(ENV_PREFIX.length()) == '_') {
                config.put(lower.substring(ENV_PREFIX.length() + 1).replace('_', '.'), value);
            }
        });
        return config;
    }

    /**
     * The environment variables that {@link #environmentConfig} (and Quarkus) read back as {@code config}: {@code
     * sasl.jaas.config} becomes {@code KAFKA_SASL_JAAS_CONFIG}. A key with {@code _} has no such variable and is
     * refused.
     */
    public static Map<String, String> environmentVariables(Map<String, String> config) {
        Map<String, String> environment = new TreeMap<>();
        config.forEach((key, value) -> {
            if (key.indexOf('_') >= 0) {
                throw new IllegalArgumentException("no KAFKA_* variable can carry the Kafka setting " + key);
            }
            environment.put(
                    ENV_PREFIX.toUpperCase(Locale.ROOT) + "_"
                            + key.toUpperCase(Locale.ROOT).replace('.', '_'),
                    value);
        });
        return environment;
    }

    /** The settings every client gets (no {@code group.id}, no {@code client.id}). */
    public Map<String, Object> common() {
        return common;
    }

    public String bootstrapServers() {
        return String.valueOf(common.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
    }

    /** {@code <prefix>-<purpose>}. */
    public String clientId(String purpose) {
        return clientIdPrefix + "-" + purpose;
    }

    /** A producer's whole configuration, as {@link #producer} passes it to the client. */
    public Map<String, Object> producerConfig(String purpose, Map<String, ?> overrides) {
        return merged(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_MESSAGE_BYTES), purpose, overrides);
    }

    /**
     * A transactional producer's whole configuration: a producer's, with {@code transactional.id}, idempotence and
     * {@code acks=all}, which transactions need.
     */
    public Map<String, Object> transactionalProducerConfig(
            String purpose, String transactionalId, Map<String, ?> overrides) {
        Map<String, Object> config = producerConfig(purpose, overrides);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        return config;
    }

    /** A consumer's whole configuration, as {@link #consumer} passes it to the client. */
    public Map<String, Object> consumerConfig(String purpose, Map<String, ?> overrides) {
        return merged(Map.of(), purpose, overrides);
    }

    /** An admin client's whole configuration, as {@link #admin} passes it to the client. */
    public Map<String, Object> adminConfig(String purpose, Map<String, ?> overrides) {
        return merged(Map.of(), purpose, overrides);
    }

    public <K, V> KafkaProducer<K, V> producer(
            String purpose, Serializer<K> keys, Serializer<V> values, Map<String, ?> overrides) {
        return new KafkaProducer<>(producerConfig(purpose, overrides), keys, values);
    }

    /** Not yet initialised: the caller runs {@code initTransactions()}, which fences an earlier producer of the id. */
    public <K, V> KafkaProducer<K, V> transactionalProducer(
            String purpose,
            String transactionalId,
            Serializer<K> keys,
            Serializer<V> values,
            Map<String, ?> overrides) {
        return new KafkaProducer<>(transactionalProducerConfig(purpose, transactionalId, overrides), keys, values);
    }

    public <K, V> KafkaConsumer<K, V> consumer(
            String purpose, Deserializer<K> keys, Deserializer<V> values, Map<String, ?> overrides) {
        return new KafkaConsumer<>(consumerConfig(purpose, overrides), keys, values);
    }

    public Admin admin(String purpose, Map<String, ?> overrides) {
        return Admin.create(adminConfig(purpose, overrides));
    }

    private Map<String, Object> merged(Map<String, ?> defaults, String purpose, Map<String, ?> overrides) {
        Map<String, Object> config = new HashMap<>(defaults);
        config.putAll(common);
        config.putAll(overrides);
        config.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId(purpose));
        return config;
    }

    @Override
    public String toString() {
        return "KafkaClients[" + clientIdPrefix + " -> " + bootstrapServers() + "]";
    }
}

package dev.cpt.kafka.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class KafkaClientsTest {
    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required"
            + " username=\"cpt\" password=\"s3cret\";";

    /** What Quarkus's default-kafka-broker map holds for a service run with SASL_SSL settings. */
    private static final Map<String, Object> CHANNELS = Map.of(
            "bootstrap.servers", "kafka:9092",
            "security.protocol", "SASL_SSL",
            "sasl.mechanism", "SCRAM-SHA-512",
            "sasl.jaas.config", JAAS,
            "ssl.truststore.location", "/etc/cpt/kafka/truststore.p12",
            "ssl.truststore.type", "PKCS12",
            "group.id", "mixer-service");

    private static final Map<String, Object> SECURITY = Map.of(
            "bootstrap.servers", "kafka:9092",
            "security.protocol", "SASL_SSL",
            "sasl.mechanism", "SCRAM-SHA-512",
            "sasl.jaas.config", JAAS,
            "ssl.truststore.location", "/etc/cpt/kafka/truststore.p12",
            "ssl.truststore.type", "PKCS12");

    private final KafkaClients clients = KafkaClients.of(CHANNELS, "mixer-service");

    private static void assertCarriesSecurity(Map<String, Object> config) {
        SECURITY.forEach((key, value) -> assertEquals(value, config.get(key), key));
    }

    @Test
    void environmentVariablesMapAsQuarkusMapsThemForTheChannels() {
        Map<String, String> env = Map.of(
                "KAFKA_SASL_JAAS_CONFIG", JAAS,
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/t.p12",
                "kafka_sasl_mechanism", "PLAIN",
                "KAFKA_", "no key",
                "KAFKAESQUE", "not Kafka's",
                "PATH", "/usr/bin");
        assertEquals(
                Map.of(
                        "sasl.jaas.config", JAAS,
                        "security.protocol", "SASL_SSL",
                        "ssl.truststore.location", "/etc/t.p12",
                        "sasl.mechanism", "PLAIN"),
                KafkaClients.environmentConfig(env));
    }

    /** The launcher hands its services their Kafka settings as the variables Quarkus reads back. */
    @Test
    void settingsBecomeTheVariablesThatMapBackToThem() {
        Map<String, String> config = Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.jaas.config", JAAS,
                "ssl.truststore.location", "/etc/t.p12");
        Map<String, String> env = KafkaClients.environmentVariables(config);
        assertEquals(JAAS, env.get("KAFKA_SASL_JAAS_CONFIG"));
        assertEquals("/etc/t.p12", env.get("KAFKA_SSL_TRUSTSTORE_LOCATION"));
        assertEquals(config, KafkaClients.environmentConfig(env));
        assertThrows(IllegalArgumentException.class, () -> KafkaClients.environmentVariables(Map.of("odd_key", "x")));
    }

    @Test
    void theLaunchersClientsTakeTheEnvironmentAndTheBrokerItStarted() {
        Map<String, String> env = Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "elsewhere:9092",
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                "KAFKA_SASL_JAAS_CONFIG", JAAS,
                "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/cpt/kafka/truststore.p12",
                "KAFKA_SSL_TRUSTSTORE_TYPE", "PKCS12");
        KafkaClients launcher = KafkaClients.fromEnvironment(env, "kafka:9092", "cpt-launcher");
        assertEquals(SECURITY, launcher.common());
        assertEquals("kafka:9092", launcher.bootstrapServers());
        assertEquals("cpt-launcher-demo", launcher.clientId("demo"));
    }

    @Test
    void everyClientGetsTheSecuritySettingsAndItsOwnClientId() {
        Map<String, Object> producer = clients.producerConfig("requests", Map.of("acks", "all"));
        Map<String, Object> transactional = clients.transactionalProducerConfig("rounds", "cpt-mixer", Map.of());
        Map<String, Object> consumer =
                clients.consumerConfig("last-round", Map.of("isolation.level", "read_committed"));
        Map<String, Object> admin = clients.adminConfig("published-log", Map.of());
        for (Map<String, Object> config : List.of(producer, transactional, consumer, admin)) {
            assertCarriesSecurity(config);
            // The channels' group id is theirs: a raw consumer names its group itself, or has none.
            assertFalse(config.containsKey("group.id"), config.toString());
        }
        assertEquals("mixer-service-requests", producer.get("client.id"));
        assertEquals("mixer-service-rounds", transactional.get("client.id"));
        assertEquals("mixer-service-last-round", consumer.get("client.id"));
        assertEquals("mixer-service-published-log", admin.get("client.id"));

        assertEquals("all", producer.get("acks"));
        assertEquals("read_committed", consumer.get("isolation.level"));
        assertEquals("cpt-mixer", transactional.get("transactional.id"));
        assertEquals(true, transactional.get("enable.idempotence"));
        assertEquals("all", transactional.get("acks"));
    }

    @Test
    void overridesWinOverTheCommonSettingsAndTheCommonSettingsOverTheDefaults() {
        assertEquals(
                KafkaClients.MAX_MESSAGE_BYTES,
                clients.producerConfig("p", Map.of()).get("max.request.size"));
        var larger = KafkaClients.of(Map.of("bootstrap.servers", "k:9092", "max.request.size", "33554432"), "svc");
        assertEquals("33554432", larger.producerConfig("p", Map.of()).get("max.request.size"));
        assertEquals(
                1024,
                larger.producerConfig("p", Map.of("max.request.size", 1024)).get("max.request.size"));
        assertEquals("g", clients.consumerConfig("c", Map.of("group.id", "g")).get("group.id"));
        assertEquals(
                "svc-c",
                larger.consumerConfig("c", Map.of("client.id", "ignored")).get("client.id"),
                "the client id is always <prefix>-<purpose>");
    }

    @Test
    void aConfigurationWithoutBootstrapServersIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> KafkaClients.of(Map.of("security.protocol", "SSL"), "x"));
        assertThrows(IllegalArgumentException.class, () -> KafkaClients.of(CHANNELS, " "));
    }

    /** The clients themselves accept the configuration (nothing connects until they are used). */
    @Test
    void theClientsAreBuiltFromTheirConfiguration() {
        var plain = KafkaClients.of(Map.of("bootstrap.servers", "localhost:1", "request.timeout.ms", "1000"), "t");
        try (KafkaProducer<String, String> p =
                        plain.producer("p", new StringSerializer(), new StringSerializer(), Map.of());
                KafkaProducer<String, String> tp = plain.transactionalProducer(
                        "tp", "t-id", new StringSerializer(), new StringSerializer(), Map.of());
                KafkaConsumer<String, String> c =
                        plain.consumer("c", new StringDeserializer(), new StringDeserializer(), Map.of());
                Admin a = plain.admin("a", Map.of())) {
            assertEquals(List.of(), List.copyOf(c.assignment()));
        }
    }
}

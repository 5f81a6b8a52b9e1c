package dev.cpt.service;

import dev.cpt.kafka.clients.KafkaClients;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The service's {@link KafkaClients}: its raw Kafka clients take the configuration its SmallRye channels take
 * ({@code default-kafka-broker}, which Quarkus builds from every {@code kafka.*} property and {@code KAFKA_*}
 * variable), so SASL/TLS settings reach both. Client ids are {@code <application name>-<purpose>}.
 */
public class KafkaClientsProducer {

    @Produces
    @Singleton
    KafkaClients kafkaClients(
            @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
            @ConfigProperty(name = "quarkus.application.name", defaultValue = "cpt") String applicationName) {
        return KafkaClients.of(kafkaConfig, applicationName);
    }
}

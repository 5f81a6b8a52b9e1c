package dev.cpt.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cpt.kafka.clients.KafkaClients;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The service's {@link KafkaClients} holds what the channels are configured from: the {@code kafka.*} settings of
 * src/test/resources/application.properties reach every client built by hand.
 */
@QuarkusTest
class KafkaClientsProducerTest {
    @Inject
    KafkaClients kafka;

    @Test
    void everyClientGetsTheChannelsKafkaSettingsAndTheServiceNameAsClientIdPrefix() {
        for (Map<String, Object> config : List.of(
                kafka.producerConfig("p", Map.of()),
                kafka.transactionalProducerConfig("t", "t-id", Map.of()),
                kafka.consumerConfig("c", Map.of()),
                kafka.adminConfig("a", Map.of()))) {
            assertEquals("SASL_PLAINTEXT", config.get("security.protocol"), config.toString());
            assertEquals("PLAIN", config.get("sasl.mechanism"));
            assertEquals("localhost:9092", config.get("bootstrap.servers"));
        }
        assertEquals("cpt-service-common-p", kafka.producerConfig("p", Map.of()).get("client.id"));
    }
}

package dev.cpt.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker's SASL_SSL/SCRAM-only client listener: its user gets in, a wrong password and PLAINTEXT do not. */
class EmbeddedKafkaSaslSslTest {
    private static final ScramUser USER = ScramUser.sha256("cpt", "cpt-secret");

    @Test
    void onlyTheScramUserOverTlsGetsIn(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startSaslSsl(dir, 0, USER)) {
            assertEquals("SASL_SSL", kafka.clientSecurity().get("security.protocol"));
            kafka.createTopics(Topics.ALL); // the broker's own admin client logs in as USER over TLS

            Map<String, Object> client = new HashMap<>(kafka.clientSecurity());
            client.put("bootstrap.servers", kafka.bootstrapServers());
            try (var producer = new KafkaProducer<>(client, new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("cpt.mixture", "k", "over SASL_SSL"))
                        .get(20, TimeUnit.SECONDS);
            }
            Map<String, Object> consumer = new HashMap<>(client);
            consumer.put(ConsumerConfig.GROUP_ID_CONFIG, "sasl-ssl-test");
            consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            try (var c = new KafkaConsumer<>(consumer, new StringDeserializer(), new StringDeserializer())) {
                c.subscribe(List.of("cpt.mixture"));
                List<String> values = new java.util.ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (values.isEmpty() && System.nanoTime() < deadline) {
                    c.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
                }
                assertEquals(List.of("over SASL_SSL"), values);
            }

            Map<String, Object> wrong = new HashMap<>(client);
            wrong.put(
                    SaslConfigs.SASL_JAAS_CONFIG,
                    ScramUser.sha256("cpt", "wrong").jaasConfig());
            ExecutionException refused = assertThrows(ExecutionException.class, () -> listTopics(wrong));
            assertTrue(refused.getCause() instanceof SaslAuthenticationException, refused.toString());

            Map<String, Object> plaintext = Map.of("bootstrap.servers", kafka.bootstrapServers());
            assertThrows(Exception.class, () -> listTopics(plaintext), "a PLAINTEXT client got in");
        }
    }

    private static void listTopics(Map<String, Object> config) throws Exception {
        Map<String, Object> c = new HashMap<>(config);
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        try (Admin admin = Admin.create(c)) {
            admin.listTopics().names().get(10, TimeUnit.SECONDS);
        }
    }
}

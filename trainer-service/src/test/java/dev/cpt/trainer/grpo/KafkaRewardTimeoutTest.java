package dev.cpt.trainer.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.GrpoStepReport;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RewardRequest;
import dev.cpt.contracts.RewardResponse;
import dev.cpt.contracts.Topics;
import dev.cpt.kafka.EmbeddedKafka;
import dev.cpt.kafka.clients.KafkaClients;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.PolicyObjective;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real broker and nobody answering the reward requests: a GRPO step still ends (after its reward timeout) with
 * its rollouts dropped and counted; an answer that comes afterwards is counted as late; an unreadable answer goes to
 * the trainer's dead-letter topic with the reason.
 */
class KafkaRewardTimeoutTest {
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void broker() throws Exception {
        Path dir = Files.createTempDirectory("grpo-kafka");
        kafka = EmbeddedKafka.start(dir, 0);
        kafka.createTopics(Topics.ALL);
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void aStepWithoutRewardsEndsWithItsRolloutsDroppedAndALateAnswerIsCounted() throws Exception {
        List<TaskExample> train = DemoTasks.generate("arithmetic", 4, 2);
        GrpoSettings settings = new GrpoSettings(
                3,
                2,
                1,
                new PolicyObjective(0.2, 0.04),
                OptimizerSettings.defaults().withLearningRate(1e-3),
                1.0,
                6,
                Duration.ofMillis(300),
                0,
                false,
                2.0,
                9);
        try (LanguageModel policy = LanguageModel.create(GptConfig.tiny(), 3);
                LanguageModel reference = policy.copy();
                KafkaRewardSource rewards = new KafkaRewardSource(
                        KafkaClients.of(Map.of("bootstrap.servers", kafka.bootstrapServers()), "trainer-test"));
                GrpoLoop loop =
                        new GrpoLoop("silent", policy, reference, rewards, train, settings, GrpoLoopTest.DIRECT)) {

            GrpoStepReport report = loop.step();

            assertFalse(report.applied());
            assertEquals(0, report.groupsUsed());
            assertEquals(2, report.staleGroupsDropped(), "both groups dropped and counted");
            List<ConsumerRecord<String, String>> requests = read(RewardRequest.TOPIC, 6);
            assertEquals(6, requests.size());
            for (ConsumerRecord<String, String> r : requests) {
                assertEquals(Json.read(r.value(), RewardRequest.class).groupId(), r.key(), "keyed by rollout group");
            }

            RewardRequest dropped = Json.read(requests.get(0).value(), RewardRequest.class);
            try (KafkaProducer<String, String> producer = producer()) {
                producer.send(new ProducerRecord<>(
                                RewardResponse.TOPIC,
                                dropped.groupId(),
                                Json.write(new RewardResponse(
                                        dropped.requestId(), dropped.groupId(), 0.4, Map.of("similarity", 0.4)))))
                        .get();
                producer.send(new ProducerRecord<>(RewardResponse.TOPIC, "g", "{\"requestId\": 7"))
                        .get();
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while ((rewards.lateAnswers() < 1 || rewards.malformedAnswers() < 1) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(1, rewards.lateAnswers());
            assertEquals(1, rewards.malformedAnswers());
            ConsumerRecord<String, String> dead = read(DeadLetters.TRAINER, 1).get(0);
            String reason = new String(
                    dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8);
            assertTrue(reason.startsWith("not a valid RewardResponse"), reason);
        }
    }

    private static KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /** Reads {@code count} records of {@code topic} from the beginning (waiting up to a minute for them). */
    private static List<ConsumerRecord<String, String>> read(String topic, int count) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}

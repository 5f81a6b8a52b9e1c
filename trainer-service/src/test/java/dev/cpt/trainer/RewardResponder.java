package dev.cpt.trainer;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.RewardRequest;
import dev.cpt.contracts.RewardResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Plays the reward service in tests: a real consumer of {@code cpt.reward.requests} answering each request on
 * {@code cpt.rewards}, scoring by shared words.
 */
final class RewardResponder implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger answered = new AtomicInteger();
    private final Set<String> prompts = ConcurrentHashMap.newKeySet();
    private final Thread thread;

    RewardResponder(String servers) {
        thread = new Thread(() -> respond(servers), "test-reward-responder");
        thread.setDaemon(true);
        thread.start();
    }

    /** Requests answered so far. */
    int answered() {
        return answered.get();
    }

    /** The prompts of the requests answered so far, as the model saw them. */
    Set<String> prompts() {
        return Set.copyOf(prompts);
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(10_000);
    }

    /** Share of the reference's words that the completion contains: 1 for a copy, 0 for nothing in common. */
    static double sharedWords(String completion, String reference) {
        Set<String> ref =
                new HashSet<>(Arrays.asList(reference.toLowerCase(Locale.ROOT).split("\\W+")));
        Set<String> got =
                new HashSet<>(Arrays.asList(completion.toLowerCase(Locale.ROOT).split("\\W+")));
        ref.remove("");
        return ref.isEmpty() ? 0 : ref.stream().filter(got::contains).count() / (double) ref.size();
    }

    private void respond(String servers) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reward-responder");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c);
                KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            consumer.subscribe(List.of(RewardRequest.TOPIC));
            while (running.get()) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    RewardRequest request = Json.read(record.value(), RewardRequest.class);
                    double reward = sharedWords(request.completion(), request.reference());
                    producer.send(new ProducerRecord<>(
                            RewardResponse.TOPIC,
                            request.groupId(),
                            Json.write(new RewardResponse(
                                    request.requestId(), request.groupId(), reward, Map.of("words", reward)))));
                    if (request.prompt() != null) {
                        prompts.add(request.prompt());
                    }
                    answered.incrementAndGet();
                }
            }
        }
    }
}

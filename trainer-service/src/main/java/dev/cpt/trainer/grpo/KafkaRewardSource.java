package dev.cpt.trainer.grpo;

import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RewardRequest;
import dev.cpt.contracts.RewardResponse;
import dev.cpt.kafka.clients.KafkaClients;
import io.quarkus.logging.Log;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Rewards from the reward service, Kafka request/reply: requests go to {@code cpt.reward.requests} keyed by rollout
 * group; answers are read from {@code cpt.rewards} and matched by request id. The reader is assigned every partition
 * of {@code cpt.rewards} from its end at start-up rather than subscribed in a group, so no rebalance can hold an
 * answer back and every trainer sees every answer (it keeps only its own ids). An answer that cannot be read goes to
 * {@code cpt.dlq.trainer} with the reason, and reading goes on.
 */
public final class KafkaRewardSource implements RewardSource {
    private static final int ABANDONED_REMEMBERED = 100_000;

    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;
    private final Thread reader;
    private final Object lock = new Object();
    // ids sent and not yet answered or abandoned, with when they were sent (System.nanoTime)
    private final Map<String, Long> waiting = new HashMap<>();
    private final Map<String, Double> answers = new HashMap<>();
    // ids given up on, oldest first, bounded: an answer for one of them is late, one for an unknown id is another's
    private final LinkedHashSet<String> abandoned = new LinkedHashSet<>();
    private final AtomicLong late = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final Consumer<Duration> latencies;
    private volatile boolean closed;

    /** Its producer and reader are configured as every Kafka client of the service ({@code clients}). */
    public KafkaRewardSource(KafkaClients clients) {
        this(clients, latency -> {});
    }

    /** @param latencies told, on the reader thread, each awaited answer's time from its request */
    public KafkaRewardSource(KafkaClients clients, Consumer<Duration> latencies) {
        this.latencies = latencies;
        this.producer = clients.producer(
                "grpo-requests",
                new StringSerializer(),
                new StringSerializer(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all"));
        this.consumer = clients.consumer(
                "grpo-rewards",
                new StringDeserializer(),
                new StringDeserializer(),
                Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"));
        try {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(RewardResponse.TOPIC, Duration.ofSeconds(30)).stream()
                            .map(info -> new TopicPartition(info.topic(), info.partition()))
                            .toList();
            if (partitions.isEmpty()) {
                throw new IllegalStateException("topic " + RewardResponse.TOPIC + " has no partitions");
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            // resolve the end offsets now, so no answer to a request sent after this constructor can be skipped
            partitions.forEach(consumer::position);
        } catch (RuntimeException e) {
            consumer.close();
            producer.close();
            throw e;
        }
        this.reader = new Thread(this::read, "grpo-reward-reader");
        reader.setDaemon(true);
        reader.start();
    }

    @Override
    public void request(List<RewardRequest> requests) {
        synchronized (lock) {
            long now = System.nanoTime();
            requests.forEach(r -> waiting.put(r.requestId(), now));
        }
        var sent = requests.stream()
                .map(r -> producer.send(new ProducerRecord<>(RewardRequest.TOPIC, r.groupId(), Json.write(r))))
                .toList();
        for (var future : sent) {
            try {
                future.get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while sending reward requests", e);
            } catch (ExecutionException | TimeoutException e) {
                // the rewards of this request will not come: the step's timeout drops its rollouts and counts them
                Log.warnf("a reward request could not be sent: %s", e.getMessage());
            }
        }
    }

    @Override
    public Map<String, Double> await(Collection<String> requestIds, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (!answers.keySet().containsAll(requestIds)) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return RewardSource.take(answers, requestIds);
        }
    }

    @Override
    public void abandon(Collection<String> requestIds) {
        synchronized (lock) {
            for (String id : requestIds) {
                waiting.remove(id);
                answers.remove(id);
                abandoned.add(id);
            }
            var it = abandoned.iterator();
            while (abandoned.size() > ABANDONED_REMEMBERED) {
                it.next();
                it.remove();
            }
        }
    }

    @Override
    public long lateAnswers() {
        return late.get();
    }

    /** Answers on {@code cpt.rewards} that could not be read (sent to the dead-letter topic). */
    public long malformedAnswers() {
        return malformed.get();
    }

    private void read() {
        try {
            while (!closed) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    take(record);
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            Log.errorf(e, "the GRPO reward reader stopped: %s", e.getMessage());
        }
    }

    private void take(ConsumerRecord<String, String> record) {
        RewardResponse response;
        try {
            response = Json.read(record.value(), RewardResponse.class);
        } catch (RuntimeException e) {
            malformed.incrementAndGet();
            var dead = new ProducerRecord<>(DeadLetters.TRAINER, record.key(), record.value());
            String reason = e.getMessage() == null ? "unreadable RewardResponse" : e.getMessage();
            dead.headers().add(DeadLetters.REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
            producer.send(dead);
            return;
        }
        Long sent;
        synchronized (lock) {
            sent = waiting.remove(response.requestId());
            if (sent != null) {
                answers.put(response.requestId(), response.reward());
                lock.notifyAll();
            } else if (abandoned.remove(response.requestId())) {
                late.incrementAndGet();
            }
        }
        if (sent != null) {
            latencies.accept(Duration.ofNanos(System.nanoTime() - sent));
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        consumer.wakeup();
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close();
        producer.close(Duration.ofSeconds(5));
    }
}

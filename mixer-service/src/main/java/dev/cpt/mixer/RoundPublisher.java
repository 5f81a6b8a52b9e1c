package dev.cpt.mixer;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.MixtureWeights;
import dev.cpt.contracts.TrainingBatch;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes a round to {@code cpt.batches} and {@code cpt.mixture} in one Kafka transaction: every batch of the round
 * and its weights become visible to {@code read_committed} consumers together, or not at all. A mixer that dies
 * mid-round leaves an open transaction that the broker aborts when the next mixer with the same
 * {@code transactional.id} starts ({@link #open}), so no consumer ever sees half a round.
 *
 * <p>A plain {@link KafkaProducer} rather than a SmallRye emitter: the round is cut synchronously under the mixer's
 * lock, and committing before the next round is cut keeps round numbers and commit order the same.
 */
final class RoundPublisher implements AutoCloseable {
    private final KafkaProducer<String, String> producer;
    private final BetweenBatches hook;

    /** Called after each batch is sent and before the next; tests use it to crash mid-round. */
    interface BetweenBatches {
        BetweenBatches NONE = (producer, sent) -> {};

        void after(KafkaProducer<String, String> producer, int batchesSent);
    }

    private RoundPublisher(KafkaProducer<String, String> producer, BetweenBatches hook) {
        this.producer = producer;
        this.hook = hook;
    }

    /** Starts a transactional producer; this fences any earlier producer of the id and aborts its open transaction. */
    static RoundPublisher open(String bootstrapServers, String transactionalId, BetweenBatches hook) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "mixer-rounds-" + transactionalId);
        // A round of large batches must fit: the embedded broker accepts 16 MB messages.
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        KafkaProducer<String, String> producer = new KafkaProducer<>(p);
        try {
            producer.initTransactions();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        return new RoundPublisher(producer, hook);
    }

    static RoundPublisher open(String bootstrapServers, String transactionalId) {
        return open(bootstrapServers, transactionalId, BetweenBatches.NONE);
    }

    /**
     * Sends the round's batches and weights and commits; on any failure the transaction is aborted and the error
     * thrown.
     */
    void publish(List<TrainingBatch> batches, MixtureWeights weights) {
        producer.beginTransaction();
        try {
            for (int i = 0; i < batches.size(); i++) {
                TrainingBatch b = batches.get(i);
                producer.send(new ProducerRecord<>(TrainingBatch.TOPIC, b.batchId(), Json.write(b)));
                hook.after(producer, i + 1);
            }
            producer.send(new ProducerRecord<>(MixtureWeights.TOPIC, weights.policy(), Json.write(weights)));
            producer.commitTransaction();
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
            // Another mixer took over this transactional id, or the producer is broken: it cannot abort, only close.
            close();
            throw e;
        } catch (KafkaException e) {
            producer.abortTransaction();
            throw e;
        }
    }

    Map<?, ?> metrics() {
        return producer.metrics();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}

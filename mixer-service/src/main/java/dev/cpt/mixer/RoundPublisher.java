package dev.cpt.mixer;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.MixtureWeights;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.kafka.clients.KafkaClients;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
    private volatile boolean open = true;

    /** Called after each batch is sent and before the next; tests use it to crash mid-round. */
    interface BetweenBatches {
        BetweenBatches NONE = (producer, sent) -> {};

        void after(KafkaProducer<String, String> producer, int batchesSent);
    }

    private RoundPublisher(KafkaProducer<String, String> producer, BetweenBatches hook) {
        this.producer = producer;
        this.hook = hook;
    }

    /**
     * Starts a transactional producer, configured as every Kafka client of the service; this fences any earlier
     * producer of the id and aborts its open transaction.
     */
    static RoundPublisher open(KafkaClients clients, String transactionalId, BetweenBatches hook) {
        KafkaProducer<String, String> producer = clients.transactionalProducer(
                "rounds-" + transactionalId,
                transactionalId,
                new StringSerializer(),
                new StringSerializer(),
                // A round of large batches fits: producers send up to KafkaClients.MAX_MESSAGE_BYTES unless
                // kafka.max.request.size says otherwise. lz4: packed tokens compress to about a third of their JSON
                // (data-ingest-service/bench/broker-storage.sh), at little CPU.
                Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"));
        try {
            producer.initTransactions();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        return new RoundPublisher(producer, hook);
    }

    static RoundPublisher open(KafkaClients clients, String transactionalId) {
        return open(clients, transactionalId, BetweenBatches.NONE);
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

    /** False once closed: by the mixer, or after the producer was fenced or broke. */
    boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        open = false;
        producer.close(Duration.ofSeconds(5));
    }
}

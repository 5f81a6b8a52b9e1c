package dev.cpt.ingest;

import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.Document;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@link Ingester.Sink} on plain Kafka producers, configured as the service's channels are (acks=all, JSON values,
 * the same topics and headers): the benchmark and the broker tests outside Quarkus publish through it.
 */
public final class ProducerSink implements Ingester.Sink, AutoCloseable {
    private final KafkaProducer<String, Object> documents;
    private final KafkaProducer<String, byte[]> deadLetters;

    public ProducerSink(String bootstrapServers, Map<String, Object> overrides) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16_000_000);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 262_144);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.putAll(overrides);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, DocumentSerializer.class.getName());
        documents = new KafkaProducer<>(p);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        deadLetters = new KafkaProducer<>(p);
    }

    @Override
    public CompletableFuture<?> publish(Document document, Split split) {
        String topic = split == Split.HELDOUT ? Document.HELDOUT_TOPIC : Document.TOPIC;
        CompletableFuture<Void> ack = new CompletableFuture<>();
        documents.send(new ProducerRecord<>(topic, document.domain(), document), (meta, e) -> complete(ack, e));
        return ack;
    }

    @Override
    public CompletableFuture<?> deadLetter(byte[] original, String reason, Origin origin) {
        var record = new ProducerRecord<String, byte[]>(DeadLetters.INGEST, null, original);
        record.headers().add(DeadLetters.REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        record.headers().add(EmitterSink.SOURCE_HEADER, origin.describe().getBytes(StandardCharsets.UTF_8));
        CompletableFuture<Void> ack = new CompletableFuture<>();
        deadLetters.send(record, (meta, e) -> complete(ack, e));
        return ack;
    }

    private static void complete(CompletableFuture<Void> ack, Exception e) {
        if (e == null) {
            ack.complete(null);
        } else {
            ack.completeExceptionally(e);
        }
    }

    @Override
    public void close() {
        documents.close();
        deadLetters.close();
    }
}

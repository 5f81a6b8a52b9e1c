package dev.cpt.ingest;

import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.Document;
import dev.cpt.service.Keyed;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * The service's {@link Ingester.Sink}: documents to {@code cpt.documents} / {@code cpt.heldout} keyed by domain, and
 * rejects to {@code cpt.dlq.ingest} the way SmallRye's dead-letter strategy writes them (original value, reason in
 * {@link DeadLetters#REASON_HEADER}), plus a {@code dead-letter-source} header naming where the input came from.
 */
@ApplicationScoped
public class EmitterSink implements Ingester.Sink {
    public static final String DOCUMENTS_OUT = "documents-out";
    public static final String DEAD_LETTERS_OUT = "dead-letters-out";
    public static final String SOURCE_HEADER = "dead-letter-source";

    private final MutinyEmitter<Document> documents;
    private final MutinyEmitter<byte[]> deadLetters;

    // Chunks are sent without waiting (then awaited together): the buffer holds several concurrent chunks.
    EmitterSink(
            @Channel(DOCUMENTS_OUT) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 16384)
                    MutinyEmitter<Document> documents,
            @Channel(DEAD_LETTERS_OUT) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 16384)
                    MutinyEmitter<byte[]> deadLetters) {
        this.documents = documents;
        this.deadLetters = deadLetters;
    }

    @Override
    public CompletableFuture<?> publish(Document document, Split split) {
        String topic = split == Split.HELDOUT ? Document.HELDOUT_TOPIC : Document.TOPIC;
        return documents
                .sendMessage(Keyed.message(document, document.domain(), topic))
                .subscribeAsCompletionStage();
    }

    @Override
    public CompletableFuture<?> deadLetter(byte[] original, String reason, Origin origin) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetters.REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_HEADER, origin.describe().getBytes(StandardCharsets.UTF_8));
        Message<byte[]> message = Message.of(original)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                        .withHeaders(headers)
                        .build());
        return deadLetters.sendMessage(message).subscribeAsCompletionStage();
    }
}

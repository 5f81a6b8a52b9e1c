package dev.cpt.ingest;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Upstream producers write raw documents to {@code cpt.documents.raw}, which feeds the {@value #RAW_IN} channel.
 * Values are read as bytes so that invalid UTF-8 is refused rather than replaced.
 *
 * <p>The channel is consumed in batches (what one poll returns, up to {@code max.poll.records}): the whole batch
 * goes through the {@link Ingester} at once, so its documents share the producer's batches and one wait for the
 * broker's acknowledgements, instead of one round trip per message. Each record is still settled on its own: a
 * record ingest rejects is nacked by itself, and the channel's dead-letter strategy writes it unchanged to
 * {@code cpt.dlq.ingest} with its reason; the others are acknowledged; the partition moves on. A duplicate is
 * acknowledged (and counted): it is already stored. Batches are processed one after the other, in order.
 */
@ApplicationScoped
public class RawDocumentConsumer {
    public static final String RAW_IN = "raw-documents-in";

    private final IngestService service;

    RawDocumentConsumer(IngestService service) {
        this.service = service;
    }

    @Incoming(RAW_IN)
    public Uni<Void> consume(KafkaRecordBatch<String, byte[]> batch) {
        List<KafkaRecord<String, byte[]>> records = batch.getRecords();
        // ingest blocks (hashing, the broker's acknowledgements): off the event loop, on a worker thread
        return Uni.createFrom()
                .item(() -> ingest(records))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .onItem()
                .transformToUni(outcomes -> settle(batch, records, outcomes))
                // ingest itself failed (not one document: e.g. the dedup state cannot be written): the whole batch
                // goes to the dead-letter topic with the reason rather than blocking the partition
                .onFailure()
                .recoverWithUni(e -> Uni.createFrom().completionStage(batch.nack(e)));
    }

    private List<Outcome> ingest(List<KafkaRecord<String, byte[]>> records) {
        List<Ingester.Item> items = new ArrayList<>(records.size());
        for (KafkaRecord<String, byte[]> record : records) {
            byte[] value = record.getPayload();
            items.add(Ingester.Item.json(Origin.kafka(), value == null ? new byte[0] : value));
        }
        return service.ingester().ingest(items, false);
    }

    /**
     * Nacks each rejected record (the dead-letter strategy writes it, then acknowledges it), then acks the batch,
     * which commits past its last record in each partition. Nacking the whole batch instead would dead-letter every
     * record in it under one reason.
     */
    private static Uni<Void> settle(
            KafkaRecordBatch<String, byte[]> batch, List<KafkaRecord<String, byte[]>> records, List<Outcome> outcomes) {
        List<CompletableFuture<Void>> deadLetters = new ArrayList<>();
        for (int i = 0; i < outcomes.size(); i++) {
            if (outcomes.get(i) instanceof Outcome.Rejected r) {
                deadLetters.add(records.get(i).nack(r.error()).toCompletableFuture());
            }
        }
        return Uni.createFrom()
                .completionStage(CompletableFuture.allOf(deadLetters.toArray(CompletableFuture[]::new)))
                .onItem()
                .transformToUni(done -> Uni.createFrom().completionStage(batch.ack()));
    }
}

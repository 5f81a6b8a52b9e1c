package dev.cpt.ingest;

import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Upstream producers write raw documents to {@code cpt.documents.raw}, which feeds the {@value #RAW_IN} channel.
 * Values are read as bytes so that invalid UTF-8 is refused rather than replaced. A message ingest rejects is nacked
 * and SmallRye writes it unchanged to {@code cpt.dlq.ingest} with the reason; the partition moves on. A duplicate is
 * acknowledged (and counted): it is already stored.
 */
@ApplicationScoped
public class RawDocumentConsumer {
    public static final String RAW_IN = "raw-documents-in";

    private final IngestService service;

    RawDocumentConsumer(IngestService service) {
        this.service = service;
    }

    @Incoming(RAW_IN)
    @Blocking
    public void consume(byte[] value) {
        byte[] bytes = value == null ? new byte[0] : value;
        Outcome outcome = service.ingester().ingest(List.of(Ingester.Item.json(Origin.kafka(), bytes)), false).get(0);
        if (outcome instanceof Outcome.Rejected r) {
            throw r.error();
        }
    }
}

package dev.cpt.ingest;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Upstream producers write raw documents to {@code cpt.documents.raw}, which feeds the {@value #RAW_IN} channel.
 * A message that is not a valid raw document, or that ingest rejects, is nacked and goes to {@code cpt.dlq.ingest}
 * with the reason; the partition moves on.
 */
@ApplicationScoped
public class RawDocumentConsumer {
    public static final String RAW_IN = "raw-documents-in";

    private final IngestPipeline pipeline;

    RawDocumentConsumer(IngestPipeline pipeline) {
        this.pipeline = pipeline;
    }

    @Incoming(RAW_IN)
    public Uni<Void> consume(String json) {
        RawDocument raw = Json.read(json, RawDocument.class);
        return pipeline.ingest(raw, "kafka").replaceWithVoid();
    }
}

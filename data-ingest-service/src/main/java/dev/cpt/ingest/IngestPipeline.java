package dev.cpt.ingest;

import dev.cpt.contracts.Document;
import dev.cpt.contracts.RawDocument;
import dev.cpt.service.Keyed;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * The one path every document takes, whatever its source: prepare (validate, id, domain, split, tokens), then
 * publish to the training or the held-out topic. The returned Uni completes only once the broker has the
 * document, so a caller that sees success knows the document is stored.
 */
@ApplicationScoped
public class IngestPipeline {
    public static final String DOCUMENTS_OUT = "documents-out";

    private final DocumentPreparer preparer;
    private final MutinyEmitter<Document> documents;
    private final IngestMetrics metrics;

    IngestPipeline(IngestConfig config, @Channel(DOCUMENTS_OUT) MutinyEmitter<Document> documents, IngestMetrics metrics) {
        this.preparer = new DocumentPreparer(config, TextTokenizer.utf8Bytes(), Clock.systemUTC());
        this.documents = documents;
        this.metrics = metrics;
    }

    public Uni<IngestResult> ingest(RawDocument raw, String source) {
        DocumentPreparer.Prepared prepared;
        try {
            prepared = preparer.prepare(raw, source);
        } catch (RejectedDocumentException e) {
            metrics.rejected(e.reason());
            return Uni.createFrom().failure(e);
        }
        Document doc = prepared.document();
        String topic = prepared.split() == Split.HELDOUT ? Document.HELDOUT_TOPIC : Document.TOPIC;
        return documents.sendMessage(Keyed.message(doc, doc.domain(), topic))
                .invoke(() -> metrics.published(prepared))
                .replaceWith(new IngestResult(doc.id(), doc.domain(), prepared.split(), doc.tokens().length));
    }

    public record IngestResult(String id, String domain, Split split, int tokens) {}
}

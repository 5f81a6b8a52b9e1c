package dev.cpt.mixer;

import dev.cpt.contracts.Document;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.MalformedMessageException;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * {@code cpt.documents} feeds {@value #DOCUMENTS_IN}: each document joins its domain's buffer, and every round that
 * can be cut goes out, its batches on {@code cpt.batches} and its weights on {@code cpt.mixture}, in one Kafka
 * transaction ({@link MixingRounds}). A document's message is acknowledged only after the round holding its last
 * token is committed. Unreadable documents, and documents cut by another tokenizer than the run's, go to
 * {@code cpt.dlq.mixer} with the reason.
 */
@ApplicationScoped
public class DocumentMixer {
    public static final String DOCUMENTS_IN = "documents-in";

    private final MixingRounds rounds;
    private final MixerMetrics metrics;
    private final RunTokenizer tokenizer;

    DocumentMixer(MixingRounds rounds, MixerMetrics metrics, RunTokenizer tokenizer) {
        this.rounds = rounds;
        this.metrics = metrics;
        this.tokenizer = tokenizer;
    }

    /** Blocking: a round is committed before the next document is read, so rounds leave in the order they are cut. */
    @Incoming(DOCUMENTS_IN)
    @Blocking
    public CompletionStage<Void> onDocument(Message<String> message) {
        Document doc;
        try {
            doc = Json.read(message.getPayload(), Document.class);
        } catch (MalformedMessageException e) {
            return message.nack(e);
        }
        Optional<String> mismatch = tokenizer.refuses(doc);
        if (mismatch.isPresent()) {
            metrics.documentRefused(doc.domain(), MixerMetrics.REFUSED_TOKENIZER);
            return message.nack(new IllegalArgumentException(mismatch.get()));
        }
        metrics.documentBuffered(doc.domain());
        // Not acknowledged here: the document is acknowledged when the round carrying its last token is committed.
        rounds.add(doc.domain(), doc.id(), doc.tokens(), message::ack);
        return CompletableFuture.completedFuture(null);
    }

    @Scheduled(
            every = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void flushWhenQuiet() {
        rounds.flushIfQuiet();
    }
}

package dev.cpt.mixer;

import dev.cpt.contracts.Document;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.MalformedMessageException;
import dev.cpt.contracts.MixtureWeights;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.service.Keyed;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * {@code cpt.documents} feeds {@value #DOCUMENTS_IN}: each document joins its domain's buffer; every full round
 * goes out as a {@link TrainingBatch} on {@code cpt.batches} and its weights on {@code cpt.mixture}. A document's
 * message is acknowledged only after the batch holding its last token is on the broker. Unreadable documents go
 * to {@code cpt.dlq.mixer}.
 */
@ApplicationScoped
public class DocumentMixer {
    public static final String DOCUMENTS_IN = "documents-in";
    public static final String BATCHES_OUT = "batches-out";
    public static final String MIXTURE_OUT = "mixture-out";

    private final MixerConfig config;
    private final MixerMetrics metrics;
    private final MutinyEmitter<TrainingBatch> batches;
    private final MutinyEmitter<MixtureWeights> mixture;
    private final BatchMixer mixer;
    private final Clock clock = Clock.systemUTC();
    private Instant lastEmission = Instant.now();

    DocumentMixer(MixerConfig config, MixerMetrics metrics,
            @Channel(BATCHES_OUT) MutinyEmitter<TrainingBatch> batches,
            @Channel(MIXTURE_OUT) MutinyEmitter<MixtureWeights> mixture) {
        this.config = config;
        this.metrics = metrics;
        this.batches = batches;
        this.mixture = mixture;
        this.mixer = new BatchMixer(config.contextLength(), config.batchSize(), MixingPolicy.uniform());
    }

    @Incoming(DOCUMENTS_IN)
    public CompletionStage<Void> onDocument(Message<String> message) {
        Document doc;
        try {
            doc = Json.read(message.getPayload(), Document.class);
        } catch (MalformedMessageException e) {
            return message.nack(e);
        }
        List<BatchMixer.Round> rounds = new ArrayList<>();
        synchronized (mixer) {
            mixer.add(doc.domain(), doc.id(), doc.tokens(), message::ack);
            for (Optional<BatchMixer.Round> r = mixer.nextFullRound(); r.isPresent(); r = mixer.nextFullRound()) {
                rounds.add(r.get());
            }
            metrics.buffers(mixer.bufferedTokens());
        }
        metrics.documentBuffered(doc.domain());
        rounds.forEach(this::emit);
        // Not acknowledged here: the document is acknowledged when the batch carrying its last token is stored.
        return CompletableFuture.completedFuture(null);
    }

    /** A trickle of documents must still reach training: after a quiet spell, whatever is buffered goes out. */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void flushWhenQuiet() {
        if (clock.instant().isBefore(lastEmission.plus(config.flushAfter()))) {
            return;
        }
        List<BatchMixer.Round> rounds = new ArrayList<>();
        synchronized (mixer) {
            for (Optional<BatchMixer.Round> r = mixer.flush(); r.isPresent(); r = mixer.flush()) {
                rounds.add(r.get());
            }
            metrics.buffers(mixer.bufferedTokens());
        }
        rounds.forEach(this::emit);
    }

    private void emit(BatchMixer.Round round) {
        lastEmission = clock.instant();
        var batch = new TrainingBatch(UUID.randomUUID().toString(), round.round(), config.contextLength(),
                round.sequences(), round.weights(), lastEmission);
        mixture.sendMessage(Keyed.message(new MixtureWeights(round.round(), round.policy(), round.weights(), lastEmission),
                        round.policy()))
                .subscribe().with(ok -> {}, e -> Log.errorf(e, "mixture weights of round %d not stored", round.round()));
        batches.sendMessage(Keyed.message(batch, batch.batchId()))
                .subscribe().with(
                        ok -> {
                            metrics.roundEmitted(round);
                            round.completed().forEach(Runnable::run);
                        },
                        // Its documents stay unacknowledged, so they are read again after a restart.
                        e -> Log.errorf(e, "batch %s of round %d not stored", batch.batchId(), round.round()));
    }
}

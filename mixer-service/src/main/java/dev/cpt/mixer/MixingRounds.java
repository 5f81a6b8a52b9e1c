package dev.cpt.mixer;

import dev.cpt.kafka.clients.KafkaClients;
import dev.cpt.mixing.EvalFeedback;
import dev.cpt.mixing.MixingPolicy;
import dev.cpt.mixing.rounds.BatchMixer;
import dev.cpt.mixing.rounds.DomainBuffer;
import dev.cpt.mixing.rounds.MixerLedger;
import dev.cpt.mixing.rounds.ReplayReservoir;
import dev.cpt.mixing.rounds.RoundMessages;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The mixer's one stateful core, behind a lock: documents join the buffers, and every round that can be cut is
 * cut, published in one transaction, then counted as trained and its documents acknowledged, in that order. Eval
 * feedback reaches the policy through here too, so a policy never changes in the middle of a round.
 */
@ApplicationScoped
public class MixingRounds {
    private final MixerConfig config;
    private final MixerMetrics metrics;
    private final KafkaClients kafka;
    private final RunTokenizer tokenizer;
    private final ReplayReservoir reservoir;
    private final BatchMixer mixer;
    private final CompletedDocuments completed;
    private final Clock clock = Clock.systemUTC();
    private RoundPublisher publisher;
    private Instant lastEmission = Instant.now();
    private volatile String failure;
    /** Why the transactional producer is not open; null while it is. The readiness check reports it. */
    private volatile String publisherNotOpen = "the transactional producer has not been opened yet";

    MixingRounds(MixerConfig config, MixerMetrics metrics, KafkaClients kafka, RunTokenizer tokenizer) {
        this.config = config;
        this.metrics = metrics;
        this.kafka = kafka;
        this.tokenizer = tokenizer;
        Path state = Path.of(config.stateDir());
        tokenizer.bind(state);
        MixerConfig.Reservoir r = config.reservoir();
        this.reservoir = r.enabled()
                ? new ReplayReservoir(state.resolve("reservoir"), r.documentsPerDomain(), r.memoryTokens(), r.seed())
                : null;
        MixingPolicy policy = PolicyFactory.create(config.policy(), config.policyParams());
        var shape = new BatchMixer.Shape(
                config.contextLength(), config.batchSize(), config.batchesPerRound(), tokenizer.separator());
        this.mixer = new BatchMixer(
                shape,
                policy,
                reservoir,
                new MixerLedger(state.resolve("ledger.json"), config.feedbackHistory()),
                r.seed());
        mixer.replayFeedback();
        this.completed = new CompletedDocuments(state.resolve("completed-documents.jsonl"), config.rememberedRounds());
        Log.infof(
                "mixer: policy %s, replay %s, tokenizer %s, state in %s",
                policy.description(), r.enabled() ? "on" : "off", tokenizer, state.toAbsolutePath());
    }

    /** Created at start-up, so that a bad policy name or an unreadable state directory stops the service at once. */
    synchronized void onStart(@Observes StartupEvent event) {
        metrics.buffers(mixer.bufferedTokens(), reservoir);
    }

    /** A document joins its domain's buffer; every full round that follows goes out. */
    synchronized void add(String domain, String documentId, int[] tokens, Runnable release) {
        if (trainedBefore(documentId)) {
            // Redelivered after a crash although a committed round trained it: acknowledge, do not train it twice.
            metrics.documentSkipped(domain);
            release.run();
            return;
        }
        mixer.add(domain, documentId, tokens, release);
        emitRounds(mixer::nextFullRound);
    }

    /**
     * A trickle of documents must still reach training: after a quiet spell, whatever is buffered goes out. Opens the
     * transactional producer first if it is not open, so that readiness follows it without waiting for a document.
     */
    synchronized void flushIfQuiet() {
        if (failure != null || !ensurePublisherOpen()) {
            return;
        }
        if (clock.instant().isAfter(lastEmission.plus(config.flushAfter()))) {
            emitRounds(mixer::flush);
        }
    }

    synchronized void observe(EvalFeedback feedback) {
        List<EvalFeedback> before = mixer.ledger().feedback();
        boolean fresh = mixer.observe(feedback);
        metrics.feedback(fresh);
        if (fresh && !before.isEmpty()) {
            RewardSignal.between(
                            before.get(before.size() - 1),
                            feedback,
                            mixer.ledger().arrivalOrder(),
                            config.forgettingWeight())
                    .ifPresent(reward -> metrics.reward(mixer.policyName(), reward));
        }
    }

    /** Why the mixer stopped emitting, if a round could not be committed; the liveness check reports it. */
    Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    /** Why the transactional producer is not open, if it is not; the readiness check reports it. */
    Optional<String> publisherNotOpen() {
        return Optional.ofNullable(publisherNotOpen);
    }

    /**
     * Whether a committed round already trained the document. The record of trained documents is complete only once
     * the producer is open and has resumed after the last committed round, so this opens it when it can.
     */
    private boolean trainedBefore(String documentId) {
        return ensurePublisherOpen() && completed.trained(documentId);
    }

    /** Cuts rounds with {@code next} and publishes each, while the producer is open and nothing has failed. */
    private void emitRounds(Supplier<Optional<BatchMixer.Round>> next) {
        if (failure != null || !ensurePublisherOpen()) {
            return;
        }
        try {
            for (Optional<BatchMixer.Round> r = next.get(); r.isPresent() && failure == null; r = next.get()) {
                publish(r.get());
            }
            metrics.buffers(mixer.bufferedTokens(), reservoir);
        } catch (RuntimeException e) {
            // Cutting, sampling or saving state failed: a bug or a full disk. Stop emitting rather than nack a good
            // document.
            failure = "the mixer failed: " + e;
            Log.errorf(e, "mixer: stopped emitting");
        }
    }

    /** Commits a round; once it is committed, counts it as trained and acknowledges the documents it completed. */
    private void publish(BatchMixer.Round round) {
        Instant now = clock.instant();
        if (!commit(round, now)) {
            return;
        }
        lastEmission = now;
        if (round.fallback()) {
            Log.warnf(
                    "mixer: policy %s proposed unusable weights in round %d (%s); uniform weights used",
                    round.policy(), round.round(), round.refusal());
        }
        metrics.roundEmitted(round);
        mixer.committed(round);
        round.completed().forEach(d -> d.release().run());
    }

    /**
     * Records which documents the round completes, then writes its batches and weights in one transaction. False when
     * that fails, and the mixer stops emitting.
     */
    private boolean commit(BatchMixer.Round round, Instant now) {
        RoundMessages messages = RoundMessages.of(
                round, config.contextLength(), tokenizer.identity().fingerprint(), now);
        try {
            completed.recording(
                    round.round(),
                    round.completed().stream()
                            .map(DomainBuffer.BufferedDocument::id)
                            .toList());
            publisher.publish(messages.batches(), messages.weights());
            return true;
        } catch (RuntimeException e) {
            // The round's tokens have left the buffers but its documents stay unacknowledged: a restarted mixer
            // reads them again. Until then it emits nothing, so no later round overtakes the lost one.
            failure = "round " + round.round() + " could not be committed: " + e;
            if (!publisher.isOpen()) {
                publisherNotOpen = "the transactional producer was closed: " + e;
            }
            metrics.roundFailed();
            Log.errorf(e, "mixer: round %d not committed; the mixer stops emitting until restarted", round.round());
            return false;
        }
    }

    /**
     * Opens the transactional producer unless it is open, and on opening resumes after the last committed round.
     * Returns whether the producer is open: false while Kafka cannot be reached (documents stay buffered, and the next
     * call tries again).
     */
    private boolean ensurePublisherOpen() {
        if (publisher != null) {
            return true;
        }
        try {
            publisher = RoundPublisher.open(kafka, config.transactionalId());
            resumeAfter(LastRound.read(kafka));
            publisherNotOpen = null;
            return true;
        } catch (RuntimeException e) {
            if (publisher != null) {
                publisher.close();
                publisher = null;
            }
            publisherNotOpen = "cannot open the transactional producer: " + e;
            Log.warnf("mixer: cannot open the transactional producer yet (%s); documents stay buffered", e.toString());
            return false;
        }
    }

    /** Round numbers continue after the last committed round; the documents it trained are known as trained. */
    private void resumeAfter(OptionalLong lastCommitted) {
        lastCommitted.ifPresent(round -> mixer.ledger().continueAfter(round));
        completed.resume(lastCommitted.orElse(-1));
        Log.infof(
                "mixer: transactional producer %s ready, next round %d",
                config.transactionalId(), mixer.ledger().nextRound());
    }

    @PreDestroy
    synchronized void close() {
        if (publisher != null) {
            publisher.close();
            publisherNotOpen = "the mixer is shutting down";
        }
    }
}

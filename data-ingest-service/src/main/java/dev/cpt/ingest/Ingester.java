package dev.cpt.ingest;

import dev.cpt.contracts.Document;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * Runs a batch of inputs through the {@link DocumentPipeline}, hands every accepted document to the broker and every
 * reject to the dead-letter topic at once (the producer batches them), then waits for all acknowledgements before
 * it commits the dedup state and counts. A document the broker did not take comes back as
 * {@link RejectedDocumentException#UNAVAILABLE} with its dedup claim released, so a retry is not a "duplicate".
 */
public final class Ingester {
    private static final Logger LOG = Logger.getLogger(Ingester.class);
    /** Dead-letter records keep at most this much of the original: enough to diagnose, within any producer limit. */
    static final int MAX_DEAD_LETTER_BYTES = 512 * 1024;

    public enum Format {
        /** A {@code RawDocument} as JSON. */
        JSON,
        /** Plain text, the whole input one document. */
        TEXT
    }

    /** One input: its bytes (a slice of {@code bytes}), how to read them, and where they came from. */
    public record Item(Origin origin, Format format, byte[] bytes, int offset, int length) {
        public static Item json(Origin origin, byte[] bytes) {
            return new Item(origin, Format.JSON, bytes, 0, bytes.length);
        }

        public static Item text(Origin origin, byte[] bytes) {
            return new Item(origin, Format.TEXT, bytes, 0, bytes.length);
        }
    }

    /** Where documents go: the broker. Each future completes once the broker has acknowledged the record. */
    public interface Sink {
        CompletableFuture<?> publish(Document document, Split split);

        /** Writes the original input with the reason in the {@code dead-letter-reason} header. */
        CompletableFuture<?> deadLetter(byte[] original, String reason, Origin origin);
    }

    private final DocumentPipeline pipeline;
    private final Deduplicator dedup;
    private final Sink sink;
    private final IngestMetrics metrics;
    private final Duration ackTimeout;

    public Ingester(
            DocumentPipeline pipeline, Deduplicator dedup, Sink sink, IngestMetrics metrics, Duration ackTimeout) {
        this.pipeline = pipeline;
        this.dedup = dedup;
        this.sink = sink;
        this.metrics = metrics;
        this.ackTimeout = ackTimeout;
    }

    public List<Outcome> ingest(List<Item> items, boolean deadLetterRejects) {
        return ingest(items, deadLetterRejects, Set.of());
    }

    /**
     * @param deadLetterRejects false when the caller's framework dead-letters rejects itself (the Kafka source)
     * @param alreadyStored ids the broker is known to hold already (a chunk a crash interrupted): not sent again
     */
    public List<Outcome> ingest(List<Item> items, boolean deadLetterRejects, Set<String> alreadyStored) {
        List<Outcome> outcomes = new ArrayList<>(items.size());
        List<CompletableFuture<?>> acks = new ArrayList<>(items.size());
        for (Item item : items) {
            Outcome outcome = process(item);
            outcomes.add(outcome);
            acks.add(send(item, outcome, deadLetterRejects, alreadyStored));
        }
        List<Deduplicator.Reservation> durable = new ArrayList<>();
        for (int i = 0; i < outcomes.size(); i++) {
            Outcome outcome = outcomes.get(i);
            String failure = await(acks.get(i));
            if (failure != null && outcome instanceof Outcome.Accepted a) {
                dedup.release(a.reservation());
                outcome = new Outcome.Rejected(
                        a.domain(),
                        new RejectedDocumentException(
                                RejectedDocumentException.UNAVAILABLE,
                                "the broker did not acknowledge the document: " + failure));
                outcomes.set(i, outcome);
            } else if (failure != null) {
                LOG.errorf(
                        "could not write a reject to the dead-letter topic (%s); it is counted and was reported",
                        failure);
            }
            Deduplicator.Reservation claimed = reservationOf(outcome);
            if (claimed != null) {
                durable.add(claimed);
            }
            metrics.record(outcome, items.get(i).origin());
        }
        dedup.commit(durable);
        return outcomes;
    }

    private Outcome process(Item item) {
        return switch (item.format()) {
            case JSON -> pipeline.fromJson(item.bytes(), item.offset(), item.length(), item.origin());
            case TEXT ->
                pipeline.fromText(
                        item.offset() == 0 && item.length() == item.bytes().length
                                ? item.bytes()
                                : Arrays.copyOfRange(item.bytes(), item.offset(), item.offset() + item.length()),
                        item.origin());
        };
    }

    private CompletableFuture<?> send(
            Item item, Outcome outcome, boolean deadLetterRejects, Set<String> alreadyStored) {
        try {
            if (outcome instanceof Outcome.Accepted a) {
                return alreadyStored.contains(a.document().id())
                        ? CompletableFuture.completedFuture(null)
                        : sink.publish(a.document(), a.split());
            }
            if (outcome instanceof Outcome.Rejected r && deadLetterRejects) {
                int length = Math.min(item.length(), MAX_DEAD_LETTER_BYTES);
                return sink.deadLetter(
                        Arrays.copyOfRange(item.bytes(), item.offset(), item.offset() + length),
                        r.message(),
                        item.origin());
            }
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Null when acknowledged, else why not. */
    private String await(CompletableFuture<?> ack) {
        try {
            ack.get(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return String.valueOf(e.getCause());
        } catch (TimeoutException e) {
            return "no acknowledgement within " + ackTimeout;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static Deduplicator.Reservation reservationOf(Outcome outcome) {
        if (outcome instanceof Outcome.Accepted a) {
            return a.reservation();
        }
        if (outcome instanceof Outcome.Rejected r) {
            return r.reservation();
        }
        return null;
    }
}

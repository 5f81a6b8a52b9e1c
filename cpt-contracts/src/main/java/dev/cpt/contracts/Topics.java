package dev.cpt.contracts;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Every topic of the loop with its partition count and its retention and cleanup policy, chosen per topic (none is
 * left to the broker's default); the launcher, the test broker and docker-compose.yml's init create exactly these.
 * The README's Operations section has the table with the reasons.
 */
public final class Topics {
    /** Topic config keys, as Kafka names them (kafka-clients' TopicConfig, which this module does not need). */
    public static final String CLEANUP_POLICY = "cleanup.policy";

    public static final String RETENTION_MS = "retention.ms";
    public static final String SEGMENT_MS = "segment.ms";

    /**
     * A topic, its partition count, and the topic-level config it is created with (and brought back to when it
     * exists): at least {@value #CLEANUP_POLICY} and {@value #RETENTION_MS}.
     */
    public record Spec(String name, int partitions, Map<String, String> config) {
        public Spec {
            Require.nonBlank(name, "name");
            Require.positive(partitions, "partitions");
            config = Map.copyOf(Require.nonNull(config, "config"));
            if (!config.containsKey(CLEANUP_POLICY) || !config.containsKey(RETENTION_MS)) {
                throw new IllegalArgumentException(
                        name + ": choose " + CLEANUP_POLICY + " and " + RETENTION_MS + ", got " + config);
            }
        }

        /** Milliseconds a record is kept at least; -1: no time limit. */
        public long retentionMs() {
            return Long.parseLong(config.get(RETENTION_MS));
        }

        public String cleanupPolicy() {
            return config.get(CLEANUP_POLICY);
        }
    }

    public static final List<Spec> ALL = List.of(
            // Upstream's inbox: ingest reads it within seconds and what it accepts lives on in cpt.documents; two
            // weeks cover an ingest outage and re-reading a stretch after an ingest fix. Keys may be null.
            new Spec(RawDocument.TOPIC, 4, deletedAfter(Duration.ofDays(14))),
            // Keyed by domain: partitions let ingest and the mixer scale while a domain keeps its order. Kept: the
            // mixer's committed offset stays behind documents waiting in a buffer, however old they are, and a
            // restarted mixer rebuilds its buffers from there. A domain key is no identity, so no compaction.
            new Spec(Document.TOPIC, 4, kept()),
            // Kept: every eval worker reads it from the beginning at start (TopicMirror).
            new Spec(Document.HELDOUT_TOPIC, 2, kept()),
            // One partition: one training run reads its batches in the order the mixer chose them. Kept: a new run
            // reads from the beginning, a resumed or rolled-back one seeks to the offset in its checkpoint.
            new Spec(TrainingBatch.TOPIC, 1, kept()),
            // Kept: a restarted mixer numbers its rounds after the last one here (LastRound); the audit of weights.
            new Spec(MixtureWeights.TOPIC, 1, kept()),
            // Kept: eval's group must not skip a checkpoint it has not scored; keyed by run, so compaction would.
            new Spec(CheckpointEvent.TOPIC, 2, kept()),
            // Kept: an eval worker without a snapshot of it (ReportHistory) rebuilds every run's whole history here.
            new Spec(EvalReport.TOPIC, 2, kept()),
            // Kept: readers key releases by (run, step); compaction by run would leave only a run's latest.
            new Spec(ReleaseEvent.TOPIC, 1, kept()),
            // Request/reply: a trainer waits 30 s for an answer and reads answers from the end at start, so an hour
            // is plenty; short segments let the hour apply (retention removes closed segments only).
            new Spec(RewardRequest.TOPIC, 4, requestReply()),
            new Spec(RewardResponse.TOPIC, 4, requestReply()),
            // Kept: every GRPO stage that takes its tasks from here reads it from the beginning to its end. One
            // partition: the examples keep the order they were written in (the first of a duplicated id wins).
            new Spec(GrpoTaskExample.TOPIC, 1, kept()),
            // Dead letters: the rejected record and its reason, for an operator to inspect and replay; thirty days
            // outlast a holiday and a monthly review. Keys are the original ones, possibly null.
            new Spec(DeadLetters.INGEST, 1, deadLetters()),
            new Spec(DeadLetters.MIXER, 1, deadLetters()),
            new Spec(DeadLetters.TRAINER, 1, deadLetters()),
            new Spec(DeadLetters.EVAL, 1, deadLetters()),
            new Spec(DeadLetters.REWARD, 1, deadLetters()));

    private Topics() {}

    /** Never deleted by time or size: a reader needs the whole topic, or an offset in it that may be old. */
    private static Map<String, String> kept() {
        return Map.of(CLEANUP_POLICY, "delete", RETENTION_MS, "-1");
    }

    private static Map<String, String> deletedAfter(Duration retention) {
        return Map.of(CLEANUP_POLICY, "delete", RETENTION_MS, Long.toString(retention.toMillis()));
    }

    private static Map<String, String> requestReply() {
        return Map.of(
                CLEANUP_POLICY,
                "delete",
                RETENTION_MS,
                Long.toString(Duration.ofHours(1).toMillis()),
                SEGMENT_MS,
                Long.toString(Duration.ofMinutes(10).toMillis()));
    }

    private static Map<String, String> deadLetters() {
        return deletedAfter(Duration.ofDays(30));
    }
}

package dev.cpt.contracts;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A batch of packed sequences the mixer chose in one mixing round, with the weights that chose it.
 * Published on {@link #TOPIC}; the trainer consumes it exactly once.
 *
 * <p>A round may hold several batches ({@code batchIndex} of {@code batchesInRound}); the mixer writes all of a
 * round's batches and its {@link MixtureWeights} in one Kafka transaction, so a consumer reading committed data sees
 * a whole round or none of it. {@code policy} names the policy that chose the weights and {@code replayShare} is the
 * share of this batch's tokens drawn from the replay reservoir. Those fields are absent in messages written before
 * they existed: no policy named, no replay, one batch per round.
 *
 * <p>{@code tokenizerFingerprint} identifies the tokenizer that cut every sequence's ids (see
 * {@code dev.cpt.common.tokenizer.TokenizerIdentity}); the trainer refuses a batch whose tokenizer is not its model's.
 * Null in batches written before the mixer stamped it, which the trainer refuses too: nothing else names the tokenizer.
 *
 * <p>Schema version 2 ({@link Versioned}) packs each sequence's tokens, see {@link PackedSequence}.
 */
public record TrainingBatch(
        String batchId,
        long round,
        int contextLength,
        List<PackedSequence> sequences,
        Map<String, Double> weights,
        Instant createdAt,
        String policy,
        Double replayShare,
        Integer batchIndex,
        Integer batchesInRound,
        String tokenizerFingerprint)
        implements Versioned {
    public static final String TOPIC = "cpt.batches";

    public TrainingBatch {
        Require.nonBlank(batchId, "batchId");
        Require.nonNegative(round, "round");
        Require.positive(contextLength, "contextLength");
        sequences = List.copyOf(Require.nonEmpty(sequences, "sequences"));
        for (PackedSequence s : sequences) {
            if (s.tokens().length > contextLength + 1) {
                throw new IllegalArgumentException("a sequence holds " + s.tokens().length
                        + " tokens, more than contextLength + 1 = " + (contextLength + 1));
            }
        }
        weights = Require.simplex(weights, "weights");
        Require.nonNull(createdAt, "createdAt");
        replayShare = replayShare == null ? 0.0 : replayShare;
        if (!(replayShare >= 0 && replayShare <= 1)) {
            throw new IllegalArgumentException("replayShare must be in [0, 1], is " + replayShare);
        }
        batchesInRound = batchesInRound == null ? 1 : batchesInRound;
        batchIndex = batchIndex == null ? 0 : batchIndex;
        Require.positive(batchesInRound, "batchesInRound");
        if (batchIndex < 0 || batchIndex >= batchesInRound) {
            throw new IllegalArgumentException("batchIndex must be in [0, " + batchesInRound + "), is " + batchIndex);
        }
        if (tokenizerFingerprint != null) {
            Require.nonBlank(tokenizerFingerprint, "tokenizerFingerprint");
        }
    }

    /** A batch that is the whole of its round, policy unnamed, cut by the tokenizer {@code tokenizerFingerprint}. */
    public TrainingBatch(
            String batchId,
            long round,
            int contextLength,
            List<PackedSequence> sequences,
            Map<String, Double> weights,
            Instant createdAt,
            String tokenizerFingerprint) {
        this(batchId, round, contextLength, sequences, weights, createdAt, null, 0.0, 0, 1, tokenizerFingerprint);
    }

    /**
     * A batch that is the whole of its round, policy and tokenizer unnamed (the shape every module used before rounds
     * held several and batches named their tokenizer).
     */
    public TrainingBatch(
            String batchId,
            long round,
            int contextLength,
            List<PackedSequence> sequences,
            Map<String, Double> weights,
            Instant createdAt) {
        this(batchId, round, contextLength, sequences, weights, createdAt, null);
    }

    public long tokenCount() {
        return sequences.stream().mapToLong(s -> s.tokens().length).sum();
    }
}

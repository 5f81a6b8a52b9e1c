package dev.cpt.contracts;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A batch of packed sequences the mixer chose in one mixing round, with the weights that chose it.
 * Published on {@link #TOPIC}; the trainer consumes it exactly once.
 */
public record TrainingBatch(
        String batchId,
        long round,
        int contextLength,
        List<PackedSequence> sequences,
        Map<String, Double> weights,
        Instant createdAt) {
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
    }

    public long tokenCount() {
        return sequences.stream().mapToLong(s -> s.tokens().length).sum();
    }
}

package dev.cpt.mixer;

import dev.cpt.contracts.PackedSequence;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Per-domain buffers and the rounds cut from them. A full round takes whole sequences in the proportions the
 * policy chose; a flush empties what is left, short tails included. Framework-free and not thread-safe: the
 * service serialises calls.
 */
final class BatchMixer {
    private final int sequenceLength;
    private final int batchSize;
    private final MixingPolicy policy;
    private final Map<String, DomainBuffer> buffers = new TreeMap<>();
    private long nextRound;

    /** One round: the sequences, the weights that chose them, and the documents it completed. */
    record Round(long round, String policy, List<PackedSequence> sequences, Map<String, Double> weights,
            List<Runnable> completed) {}

    BatchMixer(int contextLength, int batchSize, MixingPolicy policy) {
        this.sequenceLength = contextLength + 1;
        this.batchSize = batchSize;
        this.policy = policy;
    }

    void add(String domain, String documentId, int[] tokens, Runnable release) {
        buffers.computeIfAbsent(domain, DomainBuffer::new).add(documentId, tokens, release);
    }

    Map<String, Integer> bufferedTokens() {
        Map<String, Integer> m = new TreeMap<>();
        buffers.forEach((d, b) -> m.put(d, b.bufferedTokens()));
        return m;
    }

    /** The next round of whole sequences, if there are enough for a full batch. */
    Optional<Round> nextFullRound() {
        Map<String, Integer> available = new TreeMap<>();
        buffers.forEach((d, b) -> {
            if (b.fullSequences(sequenceLength) > 0) {
                available.put(d, b.fullSequences(sequenceLength));
            }
        });
        if (available.values().stream().mapToInt(Integer::intValue).sum() < batchSize) {
            return Optional.empty();
        }
        return Optional.of(cut(available));
    }

    /** A round from whatever is buffered (tails shorter than a sequence too), or empty when nothing can train. */
    Optional<Round> flush() {
        Map<String, Integer> available = new TreeMap<>();
        buffers.forEach((d, b) -> {
            int n = b.fullSequences(sequenceLength) + (b.bufferedTokens() % sequenceLength >= 2 ? 1 : 0);
            if (n > 0) {
                available.put(d, n);
            }
        });
        return available.isEmpty() ? Optional.empty() : Optional.of(cut(available));
    }

    private Round cut(Map<String, Integer> available) {
        Map<String, Double> weights = policy.weights(available);
        Map<String, Integer> counts = Allocation.counts(weights, available, batchSize);
        List<PackedSequence> sequences = new ArrayList<>();
        List<Runnable> completed = new ArrayList<>();
        counts.forEach((domain, count) -> {
            for (int i = 0; i < count; i++) {
                DomainBuffer.Cut c = buffers.get(domain).cut(sequenceLength);
                sequences.add(c.sequence());
                completed.addAll(c.completed());
            }
        });
        return new Round(nextRound++, policy.name(), sequences, weights, completed);
    }
}

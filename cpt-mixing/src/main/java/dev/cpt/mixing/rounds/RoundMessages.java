package dev.cpt.mixing.rounds;

import dev.cpt.contracts.MixtureWeights;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.TrainingBatch;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A round as the messages one transaction carries (the mixer service publishes them; the mixing benchmark trains on them): its batches, each knowing its round, weights and place, and its
 * weights.
 */
public record RoundMessages(List<TrainingBatch> batches, MixtureWeights weights) {

    /** @param tokenizerFingerprint the tokenizer every sequence's ids come from */
    public static RoundMessages of(BatchMixer.Round round, int contextLength, String tokenizerFingerprint, Instant at) {
        List<TrainingBatch> batches = new ArrayList<>();
        int n = round.batches().size();
        for (int i = 0; i < n; i++) {
            List<PackedSequence> sequences = round.batches().get(i);
            // Round numbers continue across restarts and never repeat a committed one, so the id is unique on the
            // topic.
            batches.add(new TrainingBatch(
                    "round-" + round.round() + "-batch-" + i,
                    round.round(),
                    contextLength,
                    sequences,
                    round.weights(),
                    at,
                    round.policy(),
                    BatchMixer.replayShare(sequences),
                    i,
                    n,
                    tokenizerFingerprint));
        }
        var weights = new MixtureWeights(
                round.round(),
                round.policy(),
                round.weights(),
                at,
                round.replayShare(),
                round.freshTokens(),
                round.replayTokens(),
                n,
                round.fallback());
        return new RoundMessages(List.copyOf(batches), weights);
    }
}

package dev.cpt.trainer;

import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.model.DecoderConfig;

/** Refuses a batch the model cannot train on, with the reason the dead-letter topic will carry. */
final class BatchFit {
    private BatchFit() {}

    static void check(TrainingBatch batch, DecoderConfig model) {
        for (int i = 0; i < batch.sequences().size(); i++) {
            PackedSequence s = batch.sequences().get(i);
            if (s.tokens().length > model.contextLength() + 1) {
                throw new IllegalArgumentException("batch " + batch.batchId() + " sequence " + i + " holds "
                        + s.tokens().length + " tokens; the model takes at most " + (model.contextLength() + 1));
            }
            for (int t : s.tokens()) {
                if (t < 0 || t >= model.vocabSize()) {
                    throw new IllegalArgumentException(
                            "batch " + batch.batchId() + " sequence " + i + " holds token id " + t
                                    + ", outside the model's vocabulary [0, " + model.vocabSize() + ")");
                }
            }
        }
    }
}

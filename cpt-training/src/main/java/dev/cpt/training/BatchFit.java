package dev.cpt.training;

import dev.cpt.common.tokenizer.TokenizerIdentity;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.model.DecoderConfig;

/** Refuses a batch the model cannot train on, with the reason (the trainer's dead-letter topic carries it). */
public final class BatchFit {
    /** Metric tag: the batch's ids come from another tokenizer than the model's. */
    public static final String TOKENIZER = "tokenizer";

    /** Metric tag: a sequence longer than the context, or an id outside the vocabulary. */
    public static final String SHAPE = "shape";

    private BatchFit() {}

    /** A batch the model must not train on; {@link #kind} tags it in the metrics. */
    public static final class Refused extends IllegalArgumentException {
        private final String kind;

        Refused(String kind, String reason) {
            super(reason);
            this.kind = kind;
        }

        public String kind() {
            return kind;
        }
    }

    /**
     * Ids cut by another tokenizer would train the model on the wrong text, within its vocabulary or not: checked
     * before anything else, so the reason names the real problem rather than an id out of range.
     */
    public static void checkTokenizer(TrainingBatch batch, String modelFingerprint) {
        TokenizerIdentity.mismatch(modelFingerprint, "batch " + batch.batchId(), batch.tokenizerFingerprint(), null)
                .ifPresent(reason -> {
                    throw new Refused(TOKENIZER, reason);
                });
    }

    /** A sequence longer than the context plus its last target, or an id outside the vocabulary. */
    public static void check(TrainingBatch batch, DecoderConfig model) {
        for (int i = 0; i < batch.sequences().size(); i++) {
            PackedSequence s = batch.sequences().get(i);
            if (s.tokens().length > model.contextLength() + 1) {
                throw new Refused(
                        SHAPE,
                        "batch " + batch.batchId() + " sequence " + i + " holds " + s.tokens().length
                                + " tokens; the model takes at most " + (model.contextLength() + 1));
            }
            for (int t : s.tokens()) {
                if (t < 0 || t >= model.vocabSize()) {
                    throw new Refused(
                            SHAPE,
                            "batch " + batch.batchId() + " sequence " + i + " holds token id " + t
                                    + ", outside the model's vocabulary [0, " + model.vocabSize() + ")");
                }
            }
        }
    }
}

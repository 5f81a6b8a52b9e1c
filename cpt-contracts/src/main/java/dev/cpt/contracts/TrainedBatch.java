package dev.cpt.contracts;

/**
 * One line of the trainer's journal ({@value #JOURNAL_FILE} in the run's directory of the checkpoint store): a
 * consumed batch, trained ({@code applied}) or skipped by the non-finite guard, at the step count after the optimizer
 * step its gradients went into (with gradient accumulation, several batches share a step).
 */
public record TrainedBatch(long step, String batchId, String topic, int partition, long offset, boolean applied)
        implements Versioned {
    public static final String JOURNAL_FILE = "trained-batches.jsonl";
}

package dev.cpt.contracts;

import java.util.List;

/** Every topic of the loop with its partition count; the launcher and the test broker create exactly these. */
public final class Topics {

    public record Spec(String name, int partitions) {}

    public static final List<Spec> ALL = List.of(
            new Spec(RawDocument.TOPIC, 4),
            // Keyed by domain: partitions let ingest and the mixer scale while a domain keeps its order.
            new Spec(Document.TOPIC, 4),
            new Spec(Document.HELDOUT_TOPIC, 2),
            // One partition: one training run reads its batches in the order the mixer chose them.
            new Spec(TrainingBatch.TOPIC, 1),
            new Spec(MixtureWeights.TOPIC, 1),
            new Spec(CheckpointEvent.TOPIC, 2),
            new Spec(EvalReport.TOPIC, 2),
            new Spec(ReleaseEvent.TOPIC, 1),
            new Spec(RewardRequest.TOPIC, 4),
            new Spec(RewardResponse.TOPIC, 4),
            new Spec(DeadLetters.INGEST, 1),
            new Spec(DeadLetters.MIXER, 1),
            new Spec(DeadLetters.TRAINER, 1),
            new Spec(DeadLetters.EVAL, 1),
            new Spec(DeadLetters.REWARD, 1));

    private Topics() {}
}

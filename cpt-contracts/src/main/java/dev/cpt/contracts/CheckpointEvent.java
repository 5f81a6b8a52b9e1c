package dev.cpt.contracts;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A claim check for a checkpoint the trainer has fully written: where it is, the sha256 of its manifest,
 * how far training had got, and the Kafka offsets its weights have consumed. The weights never travel
 * through Kafka. Published on {@link #TOPIC}, keyed by run id, only after the files are on disk.
 */
public record CheckpointEvent(
        String runId,
        long step,
        String uri,
        String sha256,
        long tokensSeen,
        Map<String, Long> tokensPerDomain,
        List<ConsumedOffset> consumedOffsets,
        Instant at,
        ScheduleState schedule,
        String optimizerStateUri)
        implements Versioned {
    public static final String TOPIC = "cpt.checkpoints";

    /**
     * Where the learning-rate schedule stood: the phase (re-warms so far), the step it began at, the step a cooldown
     * began at (-1: none), the rate of the last step and the factor rollbacks have multiplied every rate by.
     */
    public record ScheduleState(
            String kind,
            int phase,
            long phaseStartStep,
            long cooldownStartStep,
            double learningRate,
            double learningRateScale) {}

    /**
     * A checkpoint with no schedule or optimizer state to report (a base model, or a producer other than the trainer).
     */
    public CheckpointEvent(
            String runId,
            long step,
            String uri,
            String sha256,
            long tokensSeen,
            Map<String, Long> tokensPerDomain,
            List<ConsumedOffset> consumedOffsets,
            Instant at) {
        this(runId, step, uri, sha256, tokensSeen, tokensPerDomain, consumedOffsets, at, null, null);
    }

    public CheckpointEvent {
        Require.nonBlank(runId, "runId");
        Require.nonNegative(step, "step");
        Require.nonBlank(uri, "uri");
        Require.nonBlank(sha256, "sha256");
        if (!sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("sha256 is not 64 lower-case hex digits: " + sha256);
        }
        Require.nonNegative(tokensSeen, "tokensSeen");
        tokensPerDomain = Map.copyOf(Require.nonNull(tokensPerDomain, "tokensPerDomain"));
        consumedOffsets = List.copyOf(Require.nonNull(consumedOffsets, "consumedOffsets"));
        Require.nonNull(at, "at");
    }
}

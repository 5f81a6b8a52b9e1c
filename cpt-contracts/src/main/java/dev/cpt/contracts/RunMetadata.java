package dev.cpt.contracts;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.type.TypeReference;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A training run's state as its checkpoint manifest records it, in the {@code run.*} keys of the manifest's string
 * metadata, so weights and progress can never disagree. A GRPO branch's checkpoint records only id, step and tokens:
 * {@code offsets}, {@code phase} and {@code learningRateScale} are then null, and their keys are not written.
 */
public record RunMetadata(
        String runId,
        long step,
        Map<String, Long> tokensPerDomain,
        List<ConsumedOffset> offsets,
        SchedulePhase phase,
        Double learningRateScale) {
    public static final String ID = "run.id";
    public static final String STEP = "run.step";
    public static final String TOKENS = "run.tokens";
    public static final String OFFSETS = "run.offsets";
    public static final String PHASE = "run.phase";
    public static final String LEARNING_RATE_SCALE = "run.lr-scale";
    /**
     * The URI of the checkpoint a branch run (a GRPO stage) started from, in each of the branch's checkpoints: eval
     * gates the branch against it. The key predates other branch kinds, hence its name.
     */
    public static final String BRANCH_BASE = "grpo.base";

    public RunMetadata {
        tokensPerDomain = Collections.unmodifiableMap(new TreeMap<>(tokensPerDomain));
        offsets = offsets == null ? null : List.copyOf(offsets);
    }

    /** The state of a branch off a run (a GRPO stage): no offsets of its own and no schedule. */
    public static RunMetadata branch(String runId, long step, Map<String, Long> tokensPerDomain) {
        return new RunMetadata(runId, step, tokensPerDomain, null, null, null);
    }

    /** The run state in {@code metadata}; empty when the checkpoint is not a run's (a base model, say). */
    public static Optional<RunMetadata> in(Map<String, String> metadata) {
        return metadata.containsKey(STEP) ? Optional.of(from(metadata)) : Optional.empty();
    }

    /** The checkpoint the run branched from ({@link #BRANCH_BASE}); empty for a run that is not a branch. */
    public static Optional<String> branchBase(Map<String, String> metadata) {
        return Optional.ofNullable(metadata.get(BRANCH_BASE)).filter(uri -> !uri.isBlank());
    }

    /** Reads the {@code run.*} keys; throws {@link MalformedMessageException} when one is missing or unreadable. */
    public static RunMetadata from(Map<String, String> metadata) {
        try {
            return new RunMetadata(
                    required(metadata, ID),
                    Long.parseLong(required(metadata, STEP)),
                    Json.MAPPER.readValue(required(metadata, TOKENS), new TypeReference<Map<String, Long>>() {}),
                    metadata.containsKey(OFFSETS)
                            ? Json.MAPPER.readValue(metadata.get(OFFSETS), new TypeReference<List<ConsumedOffset>>() {})
                            : null,
                    metadata.containsKey(PHASE) ? Json.read(metadata.get(PHASE), SchedulePhase.class) : null,
                    metadata.containsKey(LEARNING_RATE_SCALE)
                            ? Double.parseDouble(metadata.get(LEARNING_RATE_SCALE))
                            : null);
        } catch (JacksonException | NumberFormatException e) {
            throw new MalformedMessageException(
                    "unreadable run state in the checkpoint metadata: " + e.getMessage(), e);
        }
    }

    /** The {@code run.*} keys, each value written as the trainer has always written it. */
    public Map<String, String> toMetadata() {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(ID, runId);
        metadata.put(STEP, Long.toString(step));
        metadata.put(TOKENS, Json.write(tokensPerDomain));
        if (offsets != null) {
            metadata.put(OFFSETS, Json.write(offsets));
        }
        if (phase != null) {
            metadata.put(PHASE, Json.write(phase));
        }
        if (learningRateScale != null) {
            metadata.put(LEARNING_RATE_SCALE, Double.toString(learningRateScale));
        }
        return metadata;
    }

    /** The schedule phase, or the first one when none is recorded. */
    public SchedulePhase phaseOrInitial() {
        return phase == null ? SchedulePhase.initial() : phase;
    }

    /** The learning-rate scale, or 1 when none is recorded. */
    public double learningRateScaleOrOne() {
        return learningRateScale == null ? 1.0 : learningRateScale;
    }

    private static String required(Map<String, String> metadata, String key) {
        String value = metadata.get(key);
        if (value == null) {
            throw new MalformedMessageException("the checkpoint metadata has no " + key, null);
        }
        return value;
    }
}

package dev.cpt.contracts;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Eval's promotion gate released a checkpoint: it improved its target domains by at least the configured margin
 * and regressed no protected domain beyond the allowed one (a branch run's checkpoint, a GRPO stage's, has no target
 * domain: it regressed no domain its branch point was trained on beyond the allowed one). Names the checkpoint (URI in
 * the checkpoint store and manifest sha256), its held-out losses per domain, the run's previous release, and why. Published on {@link #TOPIC}, keyed by run id; the
 * same checkpoint evaluated twice may be announced twice, so readers key releases by (run, step).
 */
public record ReleaseEvent(
        String runId,
        long step,
        String checkpointUri,
        String checkpointSha256,
        List<String> targetDomains,
        Map<String, Double> losses,
        String heldoutSetSha256,
        Long previousReleaseStep,
        String reason,
        Instant at)
        implements Versioned {
    public static final String TOPIC = "cpt.releases";

    public ReleaseEvent {
        Require.nonBlank(runId, "runId");
        Require.nonNegative(step, "step");
        Require.nonBlank(checkpointUri, "checkpointUri");
        Require.nonBlank(checkpointSha256, "checkpointSha256");
        targetDomains = List.copyOf(Require.nonNull(targetDomains, "targetDomains"));
        losses = Map.copyOf(Require.nonNull(losses, "losses"));
        Require.nonBlank(reason, "reason");
        Require.nonNull(at, "at");
    }
}

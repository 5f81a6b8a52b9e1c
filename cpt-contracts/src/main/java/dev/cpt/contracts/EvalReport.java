package dev.cpt.contracts;

import java.time.Instant;
import java.util.Map;

/**
 * What eval measured on one checkpoint: held-out scores per domain on a fixed held-out set (its hash names it),
 * or the error that kept the checkpoint from being scored. The mixer's feedback. Published on {@link #TOPIC},
 * keyed by run id.
 */
public record EvalReport(
        String runId,
        long step,
        String checkpointSha256,
        Map<String, DomainScore> domains,
        String heldoutSetSha256,
        String error,
        Instant at) {
    public static final String TOPIC = "cpt.eval.reports";

    public EvalReport {
        Require.nonBlank(runId, "runId");
        domains = Map.copyOf(Require.nonNull(domains, "domains"));
        Require.nonNull(at, "at");
    }

    public boolean failed() {
        return error != null;
    }
}

package dev.cpt.contracts;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What eval measured on one checkpoint: held-out scores per domain on a fixed held-out set (its hash names it),
 * or the error that kept the checkpoint from being scored. The mixer's feedback. Published on {@link #TOPIC},
 * keyed by run id.
 *
 * <p>Beyond the per-domain scores a report carries what makes it comparable and what it means for the run: the hash
 * and size of each domain's held-out set ({@link #heldoutSets}; two scores on a domain are comparable only when
 * their set hashes match), the checkpoint's location and tokens per domain (so that the run's history can be rebuilt
 * from this topic alone), the continual-learning metrics over the run so far ({@link #continual}), the promotion
 * gate's decision ({@link #gate}) and optional task evals ({@link #tasks}). Those fields are absent (null or empty)
 * in an error report and in reports written before they existed.
 */
public record EvalReport(
        String runId,
        long step,
        String checkpointSha256,
        Map<String, DomainScore> domains,
        String heldoutSetSha256,
        String error,
        Instant at,
        String checkpointUri,
        Map<String, Long> tokensPerDomain,
        Map<String, HeldoutSetInfo> heldoutSets,
        ContinualMetrics continual,
        GateDecision gate,
        Map<String, TaskScore> tasks)
        implements Versioned {
    public static final String TOPIC = "cpt.eval.reports";

    public EvalReport {
        Require.nonBlank(runId, "runId");
        domains = Map.copyOf(Require.nonNull(domains, "domains"));
        Require.nonNull(at, "at");
        tokensPerDomain = tokensPerDomain == null ? Map.of() : Map.copyOf(tokensPerDomain);
        heldoutSets = heldoutSets == null ? Map.of() : Map.copyOf(heldoutSets);
        tasks = tasks == null ? Map.of() : Map.copyOf(tasks);
    }

    /** The report as it was before the continual-learning fields: scores, set hash, or an error. */
    public EvalReport(
            String runId,
            long step,
            String checkpointSha256,
            Map<String, DomainScore> domains,
            String heldoutSetSha256,
            String error,
            Instant at) {
        this(runId, step, checkpointSha256, domains, heldoutSetSha256, error, at, null, null, null, null, null, null);
    }

    public boolean failed() {
        return error != null;
    }

    /** One domain's held-out set as scored: sha256 of its documents in order, how many, and whether it is frozen. */
    public record HeldoutSetInfo(String sha256, int documents, boolean frozen) {}

    /**
     * A phase of the run: the domains whose training tokens first became non-zero at {@code startStep}, trained until
     * {@code lastStep} (the last checkpoint before the next phase started, or the latest checkpoint so far).
     */
    public record Phase(int index, List<String> domains, long startStep, long lastStep) {
        public Phase {
            domains = List.copyOf(domains);
        }
    }

    /** Row i of the matrix R: held-out loss per domain at the last checkpoint of phase i (at {@code step}). */
    public record MatrixRow(int phase, long step, Map<String, Double> losses) {
        public MatrixRow {
            losses = Map.copyOf(losses);
        }
    }

    /**
     * The stability gap of one previously trained domain in phase {@code phase}: how far its loss rose above its loss
     * at the phase start ({@code depth}, nats, at {@code peakStep}) and how many steps after the phase start it came
     * back within tolerance ({@code recoverySteps}; null while it has not).
     */
    public record StabilityGap(
            int phase, String domain, long phaseStartStep, double depth, long peakStep, Long recoverySteps) {}

    /**
     * Continual-learning metrics over the run's checkpoints up to this one (losses in nats; see eval-service's README
     * for the formulas). Undefined values are null or missing map entries, never NaN.
     */
    public record ContinualMetrics(
            long baseStep,
            Map<String, Double> baseLosses,
            List<Phase> phases,
            List<MatrixRow> matrix,
            Map<String, Double> forgetting,
            Map<String, Double> forgettingVsBase,
            Double backwardTransfer,
            Double forwardTransfer,
            List<StabilityGap> stabilityGaps) {
        public ContinualMetrics {
            baseLosses = Map.copyOf(baseLosses);
            phases = List.copyOf(phases);
            matrix = List.copyOf(matrix);
            forgetting = Map.copyOf(forgetting);
            forgettingVsBase = Map.copyOf(forgettingVsBase);
            stabilityGaps = List.copyOf(stabilityGaps);
        }
    }

    /**
     * The promotion gate on this checkpoint: released or not and why, measured against {@code referenceStep} (the last
     * release before it, or the base model). {@code regression} is true when, after a release, this checkpoint lost
     * more than the allowed margin on a trained domain; {@code lastGoodReleaseStep} names the release to roll back to.
     *
     * <p>{@code protectedDomains} lists every domain the gate protects (empty in reports written before it existed).
     * {@code branchPoint} is set when the checkpoint's run branched off another run's checkpoint (a GRPO stage): the
     * gate then has no target, its reference is the branch point ({@code referenceStep} is the branch point's step in
     * its own run) and every domain the branch point was trained on is protected; null for any other run.
     */
    public record GateDecision(
            boolean released,
            String reason,
            List<String> targetDomains,
            long referenceStep,
            boolean referenceIsRelease,
            Double targetImprovement,
            Map<String, Double> protectedRegressions,
            boolean regression,
            Long lastGoodReleaseStep,
            List<String> protectedDomains,
            BranchPoint branchPoint) {
        public GateDecision {
            Require.nonBlank(reason, "reason");
            targetDomains = List.copyOf(targetDomains);
            protectedRegressions = Map.copyOf(protectedRegressions);
            protectedDomains = protectedDomains == null ? List.of() : List.copyOf(protectedDomains);
        }
    }

    /**
     * The checkpoint a branch run (a GRPO stage) started from: its URI in the checkpoint store, and the run and step
     * it belongs to ({@code runId} and {@code step} null when the URI is not a run's checkpoint in the store).
     */
    public record BranchPoint(String checkpointUri, String runId, Long step) {
        public BranchPoint {
            Require.nonBlank(checkpointUri, "checkpointUri");
        }

        /** How a reason or a page names it: run and step when known, else the URI. */
        public String describe() {
            return runId == null || step == null
                    ? checkpointUri
                    : "run " + runId + " step " + step + " (" + checkpointUri + ")";
        }
    }

    /**
     * A task eval: questions answered by greedy generation, scored by exact match and (when the reward service was
     * asked) its mean semantic score; {@code sha256} names the question set.
     */
    public record TaskScore(String sha256, int questions, double exactMatch, Double semanticScore) {}
}

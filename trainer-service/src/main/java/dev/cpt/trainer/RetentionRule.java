package dev.cpt.trainer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Which checkpoints of a run may be deleted. A checkpoint is kept while any {@link Reason} holds for it; one for which
 * none holds is deleted. With {@code keepLast} 0 nothing is deleted.
 */
final class RetentionRule {

    /** Why a checkpoint is kept; {@link #tag} is the value of the {@code reason} tag of the kept-checkpoints gauge. */
    enum Reason {
        /** {@code LATEST} names it: a restart resumes from it and a rollback reloads it. */
        LATEST("latest"),
        /** One of the {@code keep-last} most recent checkpoints of the run. */
        LAST_K("last-k"),
        /** The run's first checkpoint (its weights before any step), or the one eval takes as the run's base. */
        BASE("base"),
        /** Eval's promotion gate released it. */
        RELEASE("release"),
        /** Eval's gate names it as the last good release, the one to roll back to after a regression. */
        ROLLBACK_TARGET("rollback-target"),
        /**
         * The last checkpoint of a phase (eval's latest report names them): eval re-scores it when a held-out set
         * changes, for its forgetting matrix.
         */
        PHASE_END("phase-end"),
        /** Eval has not reported on it yet (or reported on other contents at that step). */
        UNREPORTED("unreported"),
        /** A GRPO stage that has not finished branched off it. */
        GRPO_STAGE("grpo-stage"),
        /** Nothing else keeps it, and retention is off ({@code keep-last} 0). */
        RETENTION_OFF("retention-off");

        final String tag;

        Reason(String tag) {
            this.tag = tag;
        }
    }

    /** One checkpoint directory of the run: its step, and its manifest's sha256 (null when it cannot be read). */
    record Checkpoint(long step, String sha256) {}

    /**
     * What must be kept besides the last {@code keep-last}.
     *
     * @param latest the step {@code LATEST} names; null when the run has none
     * @param reported the manifest sha256 of every checkpoint of the run eval has reported on, scored or not
     * @param released the manifest sha256 of every checkpoint eval's gate released
     * @param evalBases the steps eval names as the run's base
     * @param rollbackTargets the steps eval's gate names as the last good release
     * @param phaseEnds the last step of every phase of the run, as eval's latest report has them
     * @param grpoBases the steps unfinished GRPO stages branched off
     */
    record Facts(
            Long latest,
            Set<String> reported,
            Set<String> released,
            Set<Long> evalBases,
            Set<Long> rollbackTargets,
            Set<Long> phaseEnds,
            Set<Long> grpoBases) {
        Facts {
            reported = Set.copyOf(reported);
            released = Set.copyOf(released);
            evalBases = Set.copyOf(evalBases);
            rollbackTargets = Set.copyOf(rollbackTargets);
            phaseEnds = Set.copyOf(phaseEnds);
            grpoBases = Set.copyOf(grpoBases);
        }
    }

    /** The checkpoints kept, by step, with every reason that keeps each, and those to delete, oldest first. */
    record Decision(SortedMap<Long, Set<Reason>> kept, List<Checkpoint> deleted) {}

    private RetentionRule() {}

    static Decision decide(List<Checkpoint> checkpoints, int keepLast, Facts facts) {
        if (keepLast < 0) {
            throw new IllegalArgumentException("keep-last must be 0 (keep everything) or more, not " + keepLast);
        }
        List<Checkpoint> byStep = checkpoints.stream()
                .sorted(Comparator.comparingLong(Checkpoint::step))
                .toList();
        SortedMap<Long, Set<Reason>> kept = new TreeMap<>();
        List<Checkpoint> deleted = new ArrayList<>();
        for (int i = 0; i < byStep.size(); i++) {
            Checkpoint c = byStep.get(i);
            Set<Reason> reasons = EnumSet.noneOf(Reason.class);
            if (facts.latest() != null && facts.latest() == c.step()) {
                reasons.add(Reason.LATEST);
            }
            if (i >= byStep.size() - keepLast) {
                reasons.add(Reason.LAST_K);
            }
            // The first checkpoint is the base and is never deleted, so it stays the first: the base never moves.
            if (i == 0 || facts.evalBases().contains(c.step())) {
                reasons.add(Reason.BASE);
            }
            if (c.sha256() != null && facts.released().contains(c.sha256())) {
                reasons.add(Reason.RELEASE);
            }
            if (facts.rollbackTargets().contains(c.step())) {
                reasons.add(Reason.ROLLBACK_TARGET);
            }
            // Without a readable manifest there is no telling which contents eval reported on: kept.
            if (c.sha256() == null || !facts.reported().contains(c.sha256())) {
                reasons.add(Reason.UNREPORTED);
            }
            if (facts.phaseEnds().contains(c.step())) {
                reasons.add(Reason.PHASE_END);
            }
            if (facts.grpoBases().contains(c.step())) {
                reasons.add(Reason.GRPO_STAGE);
            }
            if (reasons.isEmpty() && keepLast == 0) {
                reasons.add(Reason.RETENTION_OFF);
            }
            if (reasons.isEmpty()) {
                deleted.add(c);
            } else {
                kept.put(c.step(), reasons);
            }
        }
        return new Decision(kept, deleted);
    }
}

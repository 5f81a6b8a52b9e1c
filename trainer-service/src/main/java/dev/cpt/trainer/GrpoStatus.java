package dev.cpt.trainer;

import dev.cpt.trainer.grpo.GrpoLoop;
import dev.cpt.trainer.grpo.GrpoSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A GRPO stage as {@code GET /grpo/{id}} shows it: its state (queued, running, succeeded, failed), the spec with
 * defaults filled in, progress, the held-out reward before and after, totals of what was dropped, the checkpoints
 * it announced, and the error if it failed. Immutable: each change makes a new one.
 */
public record GrpoStatus(
        String id,
        String runId,
        String state,
        GrpoSpec spec,
        long step,
        long policyVersion,
        Double heldOutRewardBefore,
        Double heldOutRewardAfter,
        int heldOutAnsweredBefore,
        int heldOutAnsweredAfter,
        int heldOutPrompts,
        long groupsUsed,
        long zeroStdGroups,
        long staleGroupsDropped,
        long lateRewards,
        GrpoLoop.StepReport lastStep,
        List<String> checkpoints,
        String error,
        Instant startedAt,
        Instant finishedAt) {

    static GrpoStatus queued(String id, String runId, GrpoSpec spec) {
        return new GrpoStatus(
                id,
                runId,
                "queued",
                spec,
                0,
                0,
                null,
                null,
                0,
                0,
                spec.heldOutPrompts(),
                0,
                0,
                0,
                0,
                null,
                List.of(),
                null,
                null,
                null);
    }

    GrpoStatus running() {
        return new GrpoStatus(
                id,
                runId,
                "running",
                spec,
                step,
                policyVersion,
                heldOutRewardBefore,
                heldOutRewardAfter,
                heldOutAnsweredBefore,
                heldOutAnsweredAfter,
                heldOutPrompts,
                groupsUsed,
                zeroStdGroups,
                staleGroupsDropped,
                lateRewards,
                lastStep,
                checkpoints,
                error,
                Instant.now(),
                finishedAt);
    }

    GrpoStatus stepped(GrpoLoop.StepReport r) {
        return new GrpoStatus(
                id,
                runId,
                state,
                spec,
                r.step(),
                r.policyVersion(),
                heldOutRewardBefore,
                heldOutRewardAfter,
                heldOutAnsweredBefore,
                heldOutAnsweredAfter,
                heldOutPrompts,
                groupsUsed + r.groupsUsed(),
                zeroStdGroups + r.zeroStdGroups(),
                staleGroupsDropped + r.staleGroupsDropped(),
                lateRewards + r.lateRewards(),
                r,
                checkpoints,
                error,
                startedAt,
                finishedAt);
    }

    GrpoStatus before(GrpoLoop.HeldOutReward reward) {
        return new GrpoStatus(
                id,
                runId,
                state,
                spec,
                step,
                policyVersion,
                finite(reward.mean()),
                heldOutRewardAfter,
                reward.answered(),
                heldOutAnsweredAfter,
                heldOutPrompts,
                groupsUsed,
                zeroStdGroups,
                staleGroupsDropped,
                lateRewards,
                lastStep,
                checkpoints,
                error,
                startedAt,
                finishedAt);
    }

    GrpoStatus after(GrpoLoop.HeldOutReward reward) {
        return new GrpoStatus(
                id,
                runId,
                state,
                spec,
                step,
                policyVersion,
                heldOutRewardBefore,
                finite(reward.mean()),
                heldOutAnsweredBefore,
                reward.answered(),
                heldOutPrompts,
                groupsUsed,
                zeroStdGroups,
                staleGroupsDropped,
                lateRewards,
                lastStep,
                checkpoints,
                error,
                startedAt,
                finishedAt);
    }

    GrpoStatus checkpointed(String uri) {
        List<String> more = new ArrayList<>(checkpoints);
        more.add(uri);
        return new GrpoStatus(
                id,
                runId,
                state,
                spec,
                step,
                policyVersion,
                heldOutRewardBefore,
                heldOutRewardAfter,
                heldOutAnsweredBefore,
                heldOutAnsweredAfter,
                heldOutPrompts,
                groupsUsed,
                zeroStdGroups,
                staleGroupsDropped,
                lateRewards,
                lastStep,
                List.copyOf(more),
                error,
                startedAt,
                finishedAt);
    }

    GrpoStatus finished(String endState, String failure) {
        return new GrpoStatus(
                id,
                runId,
                endState,
                spec,
                step,
                policyVersion,
                heldOutRewardBefore,
                heldOutRewardAfter,
                heldOutAnsweredBefore,
                heldOutAnsweredAfter,
                heldOutPrompts,
                groupsUsed,
                zeroStdGroups,
                staleGroupsDropped,
                lateRewards,
                lastStep,
                checkpoints,
                failure,
                startedAt,
                Instant.now());
    }

    /** JSON has no NaN: a mean of nothing is null. */
    private static Double finite(double x) {
        return Double.isFinite(x) ? x : null;
    }
}

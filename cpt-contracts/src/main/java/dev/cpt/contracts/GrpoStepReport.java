package dev.cpt.contracts;

import java.time.Duration;

/**
 * What one GRPO step did, as the trainer's loop reports it and {@code GET /grpo/{id}} shows the last one
 * ({@link GrpoStatus#lastStep()}). {@code applied} is false when no group had all its rewards in time; the means are
 * then NaN.
 */
public record GrpoStepReport(
        long step,
        long policyVersion,
        int groupsSampled,
        int groupsUsed,
        int zeroStdGroups,
        int staleGroupsDropped,
        long lateRewards,
        double meanReward,
        double advantageStd,
        double loss,
        double kl,
        double clipFraction,
        double meanRatio,
        boolean applied,
        Duration took) {}

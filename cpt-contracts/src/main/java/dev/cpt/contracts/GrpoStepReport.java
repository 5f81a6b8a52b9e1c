package dev.cpt.contracts;

import java.time.Duration;

/**
 * What one GRPO step did, as the trainer's loop reports it and {@code GET /grpo/{id}} shows the last one
 * ({@link GrpoStatus#lastStep()}). {@code applied} is false when no group had all its rewards in time; the means are
 * then NaN.
 *
 * @param rolloutTokens completion tokens sampled by this step (for this step, or for the next one when rollouts
 *     overlap the update)
 * @param rolloutTime how long that sampling took
 * @param meanStaleness policy updates between sampling and use, averaged over the groups used
 * @param truncatedFraction share of the used completion tokens whose importance weight pi_old / mu was cut to its cap
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
        Duration took,
        long rolloutTokens,
        Duration rolloutTime,
        double meanStaleness,
        double truncatedFraction) {}

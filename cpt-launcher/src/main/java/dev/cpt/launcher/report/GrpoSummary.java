package dev.cpt.launcher.report;

/**
 * What the GRPO stage did, for the report: the mean reward on held-out questions before and after it.
 *
 * @param questions held-out questions the rewards are averaged over
 * @param steps GRPO optimizer steps taken
 * @param meanRewardBefore mean reward of the continually pre-trained model's answers
 * @param meanRewardAfter mean reward after the GRPO stage
 * @param detail where the figures come from (for example the trainer's GRPO job id)
 */
public record GrpoSummary(int questions, int steps, double meanRewardBefore, double meanRewardAfter, String detail) {}

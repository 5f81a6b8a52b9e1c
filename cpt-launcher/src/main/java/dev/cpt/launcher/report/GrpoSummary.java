package dev.cpt.launcher.report;

import dev.cpt.contracts.EvalReport;

/**
 * What the GRPO stage did, for the report: the mean reward on held-out questions before and after it, and eval's gate
 * on its last checkpoint.
 *
 * @param questions held-out questions the rewards are averaged over
 * @param steps GRPO optimizer steps taken
 * @param meanRewardBefore mean reward of the continually pre-trained model's answers
 * @param meanRewardAfter mean reward after the GRPO stage
 * @param detail where the figures come from (for example the trainer's GRPO job id)
 * @param gate eval's gate decision on the stage's last checkpoint (against the branch point); null while unknown
 */
public record GrpoSummary(
        int questions,
        int steps,
        double meanRewardBefore,
        double meanRewardAfter,
        String detail,
        EvalReport.GateDecision gate) {
    /** The stage's figures before eval has reported on its last checkpoint. */
    public GrpoSummary(int questions, int steps, double meanRewardBefore, double meanRewardAfter, String detail) {
        this(questions, steps, meanRewardBefore, meanRewardAfter, detail, null);
    }

    public GrpoSummary withGate(EvalReport.GateDecision decision) {
        return new GrpoSummary(questions, steps, meanRewardBefore, meanRewardAfter, detail, decision);
    }
}

package dev.cpt.launcher.report;

import dev.cpt.contracts.EvalReport;

/**
 * What the GRPO stage did, for the report: the mean reward on held-out questions before and after it, and eval's gate
 * on its last checkpoint.
 *
 * @param questions held-out questions the rewards are averaged over
 * @param steps GRPO optimizer steps taken
 * @param seconds the stage's wall time as the trainer reports it, from start to finish (held-out scoring before and
 *     after included, as the trainer runs both inside the stage); NaN when the trainer gave no times
 * @param meanRewardBefore mean reward of the continually pre-trained model's answers
 * @param meanRewardAfter mean reward after the GRPO stage
 * @param detail where the figures come from (for example the trainer's GRPO job id)
 * @param gate eval's gate decision on the stage's last checkpoint (against the branch point); null while unknown
 */
public record GrpoSummary(
        int questions,
        int steps,
        double seconds,
        double meanRewardBefore,
        double meanRewardAfter,
        String detail,
        EvalReport.GateDecision gate) {
    /** The stage's figures before eval has reported on its last checkpoint. */
    public GrpoSummary(
            int questions, int steps, double seconds, double meanRewardBefore, double meanRewardAfter, String detail) {
        this(questions, steps, seconds, meanRewardBefore, meanRewardAfter, detail, null);
    }

    /** The stage's wall time over its steps: the figure its speed is judged by (NaN without times or steps). */
    public double secondsPerStep() {
        return steps > 0 ? seconds / steps : Double.NaN;
    }

    public GrpoSummary withGate(EvalReport.GateDecision decision) {
        return new GrpoSummary(questions, steps, seconds, meanRewardBefore, meanRewardAfter, detail, decision);
    }
}

package dev.cpt.mixing.training;

import java.util.ArrayList;
import java.util.List;

/**
 * A round with a logged action and its return: the sum of the phase's rewards from that round on, discounted by gamma
 * (a phase is an episode: rewards are measured against the loss when the phase began, so an earlier phase's forgetting
 * is never charged twice).
 *
 * @param features the round's features
 * @param mask the slots that had data
 * @param action the slot logits the exploring policy sampled
 * @param phase the phase, 1 for the first arriving domain
 * @param round {@code phase/round}: the runs whose returns are comparable
 * @param environment {@code phase/round/seed/scenario}: the runs that also share the pre-trained model and the data
 * @param gain the return
 */
record LoggedRound(
        double[] features, boolean[] mask, double[] action, int phase, String round, String environment, double gain) {

    /** Every round with an action, in trajectory and round order. */
    static List<LoggedRound> of(List<Trajectory> trajectories, Reward reward, double gamma, CarryOver carry) {
        List<LoggedRound> out = new ArrayList<>();
        for (Trajectory t : trajectories) {
            List<Trajectory.Step> steps = t.steps();
            double[] rewards = rewards(steps, reward, carry, CarryOver.lastPhase(t));
            for (int i = 0; i < steps.size(); i++) {
                Trajectory.Step s = steps.get(i);
                if (s.logits() != null) {
                    String round = s.phase() + "/" + s.round();
                    out.add(new LoggedRound(
                            s.features(),
                            s.mask(),
                            s.logits(),
                            s.phase(),
                            round,
                            round + "/" + t.seed() + "/" + t.scenario(),
                            discountedReturn(steps, rewards, i, gamma)));
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(
                    "no trajectory step carries an action (logits); collect with the random-walk policy");
        }
        return out;
    }

    private static double[] rewards(List<Trajectory.Step> steps, Reward reward, CarryOver carry, int lastPhase) {
        double[] rewards = new double[steps.size()];
        for (int i = 0; i < steps.size(); i++) {
            Trajectory.Step s = steps.get(i);
            rewards[i] = reward.of(
                    s.slotLossBefore(), s.slotLossAfter(), s.slotStartLoss(), carry.slotScale(s.phase(), lastPhase));
        }
        return rewards;
    }

    /** The rewards from round {@code from} to the end of its phase, the later ones discounted. */
    private static double discountedReturn(List<Trajectory.Step> steps, double[] rewards, int from, double gamma) {
        int phase = steps.get(from).phase();
        double g = 0;
        double discount = 1;
        for (int j = from; j < steps.size() && steps.get(j).phase() == phase; j++) {
            g += discount * rewards[j];
            discount *= gamma;
        }
        return g;
    }
}

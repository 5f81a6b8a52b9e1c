package dev.cpt.mixing.training;

import dev.cpt.mixing.DomainRoles;
import dev.cpt.mixing.EvalFeedback;
import dev.cpt.mixing.MixingState;
import dev.cpt.mixing.agent.Features;
import java.util.List;
import java.util.Map;

/**
 * One proxy run as the agent's training sees it; one JSON line per trajectory in the collected files.
 *
 * @param id unique within a collection
 * @param scenario the domains in arrival order, upstream first
 * @param seed the proxy run's seed
 * @param policy the policy that chose the weights
 * @param horizonTokens tokens per phase, the progress feature's denominator
 * @param steps one per mixing round
 * @param outcome the run's end result
 */
public record Trajectory(
        String id,
        List<String> scenario,
        long seed,
        String policy,
        double horizonTokens,
        List<Step> steps,
        Outcome outcome) {

    /**
     * One round.
     *
     * @param phase 1 for the first arriving domain, 2 for the second, ...
     * @param round round within the phase
     * @param features {@link Features#NAMES}, before the round
     * @param mask slots that had data
     * @param logits the slot logits the acting policy sampled (the action), or null when it has none
     * @param slotShares the weights per slot that were trained on
     * @param slotLossBefore mean held-out loss per slot before the round (NaN: no score)
     * @param slotLossAfter the same after the round
     * @param slotStartLoss the same when the phase began
     * @param weights the round's weights per domain
     */
    public record Step(
            int phase,
            int round,
            double[] features,
            boolean[] mask,
            double[] logits,
            double[] slotShares,
            double[] slotLossBefore,
            double[] slotLossAfter,
            double[] slotStartLoss,
            Map<String, Double> weights) {

        /**
         * The round a run just trained and scored.
         *
         * @param view the features the policy saw before the round
         * @param logits the acting policy's sampled logits, or null
         * @param seen the mixer's state the round was cut from
         * @param weights the round's weights
         * @param after the eval after the round
         */
        public static Step of(
                int phase,
                int round,
                Features.View view,
                double[] logits,
                MixingState seen,
                Map<String, Double> weights,
                EvalFeedback after) {
            DomainRoles roles = DomainRoles.of(seen);
            return new Step(
                    phase,
                    round,
                    view.features(),
                    view.mask(),
                    logits,
                    slotShares(roles, weights),
                    view.slotLoss(),
                    slotLoss(roles, after),
                    view.slotStartLoss(),
                    weights);
        }

        private static double[] slotShares(DomainRoles roles, Map<String, Double> weights) {
            List<List<String>> slots = Features.slots(roles);
            double[] shares = new double[Features.SLOTS];
            for (int s = 0; s < shares.length; s++) {
                for (String d : slots.get(s)) {
                    shares[s] += weights.getOrDefault(d, 0.0);
                }
            }
            return shares;
        }

        private static double[] slotLoss(DomainRoles roles, EvalFeedback f) {
            List<List<String>> slots = Features.slots(roles);
            double[] out = new double[Features.SLOTS];
            for (int s = 0; s < out.length; s++) {
                double sum = 0;
                int n = 0;
                for (String d : slots.get(s)) {
                    Double l = f.heldoutLoss().get(d);
                    if (l != null) {
                        sum += l;
                        n++;
                    }
                }
                out[s] = n == 0 ? Double.NaN : sum / n;
            }
            return out;
        }
    }

    /**
     * @param generalBefore general loss after pre-training, before any domain arrived
     * @param finalLoss every domain's held-out loss at the end
     * @param phaseEndLoss each phase's target loss when its phase ended
     */
    public record Outcome(double generalBefore, Map<String, Double> finalLoss, Map<String, Double> phaseEndLoss) {}
}

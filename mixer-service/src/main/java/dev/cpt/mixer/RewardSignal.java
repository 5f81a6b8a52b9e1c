package dev.cpt.mixer;

import dev.cpt.mixing.EvalFeedback;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The reward a mixing decision earned between two consecutive eval reports: the drop in held-out loss on the target
 * domain (the one that arrived last) minus {@code forgettingWeight} times the mean loss increase on the domains that
 * arrived before it. The policy interface has no reward of its own; this is what the mixer reports for every policy.
 */
final class RewardSignal {
    private RewardSignal() {}

    static OptionalDouble between(
            EvalFeedback previous, EvalFeedback current, List<String> arrivalOrder, double forgettingWeight) {
        if (arrivalOrder.isEmpty()) {
            return OptionalDouble.empty();
        }
        String target = arrivalOrder.get(arrivalOrder.size() - 1);
        Double before = previous.heldoutLoss().get(target);
        Double after = current.heldoutLoss().get(target);
        if (before == null || after == null) {
            return OptionalDouble.empty();
        }
        double gain = before - after;
        double forgetting = arrivalOrder.subList(0, arrivalOrder.size() - 1).stream()
                .filter(d -> previous.heldoutLoss().containsKey(d)
                        && current.heldoutLoss().containsKey(d))
                .mapToDouble(d -> Math.max(
                        0, current.heldoutLoss().get(d) - previous.heldoutLoss().get(d)))
                .average()
                .orElse(0);
        return OptionalDouble.of(gain - forgettingWeight * forgetting);
    }
}

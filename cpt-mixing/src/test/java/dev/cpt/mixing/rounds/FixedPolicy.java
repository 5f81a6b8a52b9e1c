package dev.cpt.mixing.rounds;

import dev.cpt.mixing.EvalFeedback;
import dev.cpt.mixing.MixingPolicy;
import dev.cpt.mixing.MixingState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** A test policy: weights from a function of the state; remembers every state and feedback it was given. */
final class FixedPolicy implements MixingPolicy {
    final List<MixingState> states = new ArrayList<>();
    final List<EvalFeedback> observed = new ArrayList<>();
    private final Function<MixingState, Map<String, Double>> weights;

    FixedPolicy(Function<MixingState, Map<String, Double>> weights) {
        this.weights = weights;
    }

    static FixedPolicy of(Map<String, Double> weights) {
        return new FixedPolicy(s -> weights);
    }

    @Override
    public String name() {
        return "fixed";
    }

    @Override
    public Map<String, Double> weights(MixingState state) {
        states.add(state);
        return weights.apply(state);
    }

    @Override
    public void observe(EvalFeedback feedback) {
        observed.add(feedback);
    }
}

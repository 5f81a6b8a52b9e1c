package dev.cpt.mixing;

import java.util.List;
import java.util.Map;

/** Small builders of mixing states for policy tests. */
final class States {
    private States() {}

    static MixingState state(List<String> arrival, Map<String, Long> available) {
        return new MixingState(0, arrival, available, Map.of(), Map.of(), Map.of(), List.of());
    }

    static MixingState state(
            List<String> arrival, Map<String, Long> available, Map<String, Long> trained, List<EvalFeedback> feedback) {
        return new MixingState(feedback.size(), arrival, available, Map.of(), trained, Map.of(), feedback);
    }
}

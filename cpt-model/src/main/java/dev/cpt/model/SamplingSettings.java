package dev.cpt.model;

import java.util.Set;

/**
 * How {@link LanguageModel#generate} picks tokens.
 *
 * @param temperature softmax temperature; {@code <= 0} means greedy (argmax)
 * @param topK keep only the k most likely tokens; {@code <= 0} disables
 * @param topP nucleus sampling mass in (0, 1]; 1 disables
 * @param maxNewTokens upper bound on generated tokens (stop tokens are not counted or returned)
 * @param stopTokens generation ends as soon as one of these is sampled; it is not returned
 */
public record SamplingSettings(double temperature, int topK, double topP, int maxNewTokens, Set<Integer> stopTokens) {

    public SamplingSettings {
        if (Double.isNaN(temperature)) {
            throw new IllegalArgumentException("temperature is NaN");
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must be >= 0");
        }
        stopTokens = stopTokens == null ? Set.of() : Set.copyOf(stopTokens);
    }

    public static SamplingSettings greedy(int maxNewTokens) {
        return new SamplingSettings(0, 0, 1.0, maxNewTokens, Set.of());
    }

    public SamplingSettings withStopTokens(Set<Integer> stops) {
        return new SamplingSettings(temperature, topK, topP, maxNewTokens, stops);
    }
}

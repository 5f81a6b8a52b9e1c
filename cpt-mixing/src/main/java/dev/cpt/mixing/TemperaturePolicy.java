package dev.cpt.mixing;

import java.util.Map;
import java.util.TreeMap;

/**
 * Temperature sampling over data sizes: p(d) proportional to n(d)^(1/T), with n(d) the tokens available. T = 1 samples
 * in proportion to size, larger T flattens towards uniform; {@link #uniform()} is the limit T -> infinity.
 */
public final class TemperaturePolicy implements MixingPolicy {
    private final double temperature;
    private final String name;

    public TemperaturePolicy(double temperature) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        this.temperature = temperature;
        this.name = Double.isInfinite(temperature) ? "uniform" : "temperature";
    }

    public static TemperaturePolicy uniform() {
        return new TemperaturePolicy(Double.POSITIVE_INFINITY);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, Double> weights(MixingState state) {
        Map<String, Double> raw = new TreeMap<>();
        // in log space: n^(1/T) of billions of tokens stays finite, and T = infinity gives exactly 1 for every domain
        double exponent = 1 / temperature;
        double maxLog = Double.NEGATIVE_INFINITY;
        for (long n : state.availableTokens().values()) {
            maxLog = Math.max(maxLog, exponent * Math.log(Math.max(1, n)));
        }
        for (Map.Entry<String, Long> e : state.availableTokens().entrySet()) {
            raw.put(e.getKey(), Math.exp(exponent * Math.log(Math.max(1, e.getValue())) - maxLog));
        }
        return Simplex.restrict(raw, state.availableTokens().keySet());
    }
}

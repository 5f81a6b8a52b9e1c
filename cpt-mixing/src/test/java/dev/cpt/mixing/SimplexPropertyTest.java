package dev.cpt.mixing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.mixing.agent.AgentArtifact;
import dev.cpt.mixing.agent.Nets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Every policy, on many random states: weights on the simplex, only domains with data. States vary the arrival
 * order, which domains have data (the target included), the eval feedback (missing domains, NaN losses, forgetting
 * up and down) and the previous weights; policies that learn online see every feedback first.
 */
class SimplexPropertyTest {
    private static final List<String> DOMAINS = List.of("general", "a", "b", "c", "d");

    @Test
    void weightsAreAlwaysOnTheSimplexAndNeverNameADomainWithoutData() {
        Random rng = new Random(42);
        Map<String, Supplier<MixingPolicy>> policies = new HashMap<>();
        policies.put("static-replay", () -> StaticPolicy.replay(rng.nextDouble()));
        policies.put("static-weights", () -> StaticPolicy.weights(Map.of("a", 1.0, "zzz", 2.0)));
        policies.put("uniform", TemperaturePolicy::uniform);
        policies.put("temperature", () -> new TemperaturePolicy(0.5 + 3 * rng.nextDouble()));
        policies.put("odm", () -> new OdmPolicy(0.9));
        policies.put("cmr", () -> new CmrPolicy(0.05, 10_000, 0.1, 0.95, List.of(0.9, 0.5, 0.7)));
        policies.put("agent", () -> new AgentPolicy(Nets.artifact(Nets.random(rng.nextLong())), 5_000));
        policies.put("agent-bundled", () -> Policies.create("agent", Map.of("artifact", AgentArtifact.BUNDLED)));
        for (int trial = 0; trial < 300; trial++) {
            for (Map.Entry<String, Supplier<MixingPolicy>> p : policies.entrySet()) {
                runEpisode(p.getKey(), p.getValue().get(), rng);
            }
        }
    }

    private static void runEpisode(String name, MixingPolicy policy, Random rng) {
        int arrived = 1 + rng.nextInt(DOMAINS.size());
        List<String> arrival = DOMAINS.subList(0, arrived);
        List<EvalFeedback> feedback = new ArrayList<>();
        Map<String, Long> trained = new HashMap<>();
        Map<String, Double> previous = Map.of();
        for (int round = 0; round < 6; round++) {
            Map<String, Long> available = new HashMap<>();
            for (String d : DOMAINS) {
                // mostly the arrived domains, sometimes one of them has run dry, rarely an unknown one has data
                boolean has = arrival.contains(d) ? rng.nextInt(5) > 0 : rng.nextInt(10) == 0;
                if (has) {
                    available.put(d, 1 + (long) rng.nextInt(1_000_000));
                }
            }
            if (available.isEmpty()) {
                available.put(arrival.get(rng.nextInt(arrival.size())), 64L);
            }
            MixingState state =
                    new MixingState(round, arrival, available, Map.of(), Map.copyOf(trained), previous, feedback);
            Map<String, Double> w = policy.weights(state);
            assertTrue(
                    Simplex.isOnSimplex(w, available.keySet()),
                    name + " gave " + w + " for available " + available.keySet());
            w.forEach((d, v) -> trained.merge(d, Math.round(v * 1000), Long::sum));
            Map<String, Double> losses = new HashMap<>();
            for (String d : arrival) {
                if (rng.nextInt(6) > 0) {
                    losses.put(d, rng.nextInt(20) == 0 ? Double.NaN : 1 + 3 * rng.nextDouble());
                }
            }
            EvalFeedback f = new EvalFeedback(round, Map.copyOf(trained), losses);
            feedback.add(f);
            policy.observe(f);
            previous = w;
        }
    }
}

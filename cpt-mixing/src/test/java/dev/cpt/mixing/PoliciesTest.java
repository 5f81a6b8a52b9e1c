package dev.cpt.mixing;

import static dev.cpt.mixing.States.state;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PoliciesTest {
    private static final List<String> ARRIVAL = List.of("general", "arithmetic", "units");
    private static final Map<String, Long> ALL = Map.of("general", 1000L, "arithmetic", 500L, "units", 250L);

    @Test
    void staticReplayGivesTheTargetTheRestAndSpreadsReplayOverEarlierDomains() {
        Map<String, Double> w = StaticPolicy.replay(0.3).weights(state(ARRIVAL, ALL));
        assertEquals(0.7, w.get("units"), 1e-12);
        assertEquals(0.15, w.get("general"), 1e-12);
        assertEquals(0.15, w.get("arithmetic"), 1e-12);
    }

    @Test
    void staticReplayWithoutTargetDataReplaysOnlyAndWithoutEarlierDataTrainsTheTargetOnly() {
        Map<String, Double> noTarget =
                StaticPolicy.replay(0.3).weights(state(ARRIVAL, Map.of("general", 10L, "arithmetic", 10L)));
        assertEquals(Map.of("arithmetic", 0.5, "general", 0.5), noTarget);
        Map<String, Double> onlyTarget = StaticPolicy.replay(0.3).weights(state(ARRIVAL, Map.of("units", 10L)));
        assertEquals(Map.of("units", 1.0), onlyTarget);
    }

    @Test
    void staticWeightsAreRenormalisedOverDomainsWithData() {
        MixingPolicy p = Policies.create("static", Map.of("weights", "general=0.2, units=0.6, gone=0.2"));
        Map<String, Double> w = p.weights(state(ARRIVAL, ALL));
        assertEquals(0.25, w.get("general"), 1e-12);
        assertEquals(0.75, w.get("units"), 1e-12);
        assertEquals(2, w.size());
    }

    @Test
    void uniformAndTemperature() {
        Map<String, Double> u = Policies.create("uniform", Map.of()).weights(state(ARRIVAL, ALL));
        u.values().forEach(v -> assertEquals(1.0 / 3, v, 1e-12));
        // T = 2: sqrt(100) = 10 and sqrt(400) = 20
        Map<String, Double> t = new TemperaturePolicy(2)
                .weights(state(List.of("general", "units"), Map.of("general", 100L, "units", 400L)));
        assertEquals(1.0 / 3, t.get("general"), 1e-12);
        assertEquals(2.0 / 3, t.get("units"), 1e-12);
        // T = 1: in proportion to size
        Map<String, Double> t1 = new TemperaturePolicy(1)
                .weights(state(List.of("general", "units"), Map.of("general", 100L, "units", 300L)));
        assertEquals(0.25, t1.get("general"), 1e-12);
    }

    @Test
    void odmFollowsExp3WithImportanceWeightedLossRewards() {
        OdmPolicy odm = new OdmPolicy(0.9);
        MixingState s = state(List.of("a", "b"), Map.of("a", 10L, "b", 10L));
        // t = 1: eps = min(1/2, sqrt(ln 2 / 2)) = 1/2, so (1 - 2 eps) = 0 and both get eps
        Map<String, Double> w1 = odm.weights(s);
        assertEquals(0.5, w1.get("a"), 1e-12);
        odm.observe(new EvalFeedback(1, Map.of(), Map.of("a", 2.0, "b", 1.0)));
        // R(a) = 0.1 * 2.0 / 0.5 = 0.4, R(b) = 0.1 * 1.0 / 0.5 = 0.2
        assertEquals(0.4, odm.estimatedRewards().get("a"), 1e-12);
        assertEquals(0.2, odm.estimatedRewards().get("b"), 1e-12);
        // t = 2: eps_2 = sqrt(ln 2 / 4) = 0.416277; logits eps_1 * R = (0.2, 0.1)
        // pi(a) = (1 - 2 * 0.416277) * sigmoid(0.1) + 0.416277 = 0.504183
        Map<String, Double> w2 = odm.weights(s);
        assertEquals(0.5041826497603759, w2.get("a"), 1e-12);
        assertEquals(0.49581735023962414, w2.get("b"), 1e-12);
        odm.observe(new EvalFeedback(2, Map.of(), Map.of("a", 2.0, "b", 1.0)));
        assertEquals(0.7566816392730978, odm.estimatedRewards().get("a"), 1e-12);
        assertEquals(0.3816871736167984, odm.estimatedRewards().get("b"), 1e-12);
    }

    @Test
    void cmrLawFitRecoversAnExactPowerLawAndItsCriticalRatio() {
        CmrLaw truth = new CmrLaw(0.01, 1.5, 0.5);
        List<CmrLaw.Point> points = new ArrayList<>();
        double[][] rt = {{0.9, 1000}, {0.5, 2000}, {0.7, 3000}, {0.6, 4000}};
        for (double[] p : rt) {
            points.add(new CmrLaw.Point(p[1], p[0], truth.forgetting(p[0], p[1])));
        }
        CmrLaw fit = CmrLaw.fit(points).orElseThrow();
        assertEquals(0.01, fit.k(), 1e-9);
        assertEquals(1.5, fit.a(), 1e-9);
        assertEquals(0.5, fit.b(), 1e-9);
        // r* = (0.2 / (0.01 * 10000^0.5))^(1/1.5) = 0.2^(2/3)
        assertEquals(0.34199518933533946, fit.criticalRatio(0.2, 10_000, 0.05, 0.95), 1e-9);
        assertEquals(0.95, fit.criticalRatio(100, 10_000, 0.05, 0.95), 1e-12);
        assertTrue(CmrLaw.fit(points.subList(0, 2)).isEmpty(), "two points cannot fit three parameters");
    }

    @Test
    void cmrPolicyProbesFirstThenPicksTheCriticalRatioFromEvalFeedback() {
        CmrPolicy cmr = new CmrPolicy(0.1, 10_000, 0.05, 0.95, List.of(0.9, 0.5, 0.7));
        Map<String, Double> w = cmrAfterThreeEvals(cmr, Map.of(), Map.of());
        // tolerance 0.1 of the start loss 2.0 = 0.2 absolute: r* = 0.2^(2/3)
        assertEquals(0.34199518933533946, w.get("arithmetic"), 1e-9);
        assertEquals(1 - 0.34199518933533946, w.get("general"), 1e-9);
        assertEquals(1.5, cmr.law().orElseThrow().a(), 1e-9);
    }

    @Test
    void cmrPolicyWithoutAHorizonTakesThePhaseLengthFromTheStream() {
        CmrPolicy cmr = new CmrPolicy(0.1, 0, 0.05, 0.95, List.of(0.9, 0.5, 0.7));
        // 3000 tokens trained since arithmetic arrived, and 4900 fresh ones left at a share of 0.7: 10,000 in all
        Map<String, Double> w = cmrAfterThreeEvals(cmr, Map.of("arithmetic", 4900L), Map.of("arithmetic", 0.7));
        assertEquals(0.34199518933533946, w.get("arithmetic"), 1e-9);
    }

    /**
     * The weights after a phase's first round (a probe) and three evals that follow an exact law: the last round sees
     * {@code fresh} tokens and {@code previous} weights.
     */
    private static Map<String, Double> cmrAfterThreeEvals(
            CmrPolicy cmr, Map<String, Long> fresh, Map<String, Double> previous) {
        List<String> arrival = List.of("general", "arithmetic");
        Map<String, Long> available = Map.of("general", 5000L, "arithmetic", 5000L);
        List<EvalFeedback> feedback = new ArrayList<>();
        // the phase starts with general loss 2.0 after 1000 pre-training tokens
        feedback.add(new EvalFeedback(0, Map.of("general", 1000L), Map.of("general", 2.0)));
        Map<String, Double> first = cmr.weights(state(arrival, available, Map.of("general", 1000L), feedback));
        assertEquals(0.9, first.get("arithmetic"), 1e-12);
        assertEquals(0.1, first.get("general"), 1e-12);
        CmrLaw truth = new CmrLaw(0.01, 1.5, 0.5);
        double[][] rt = {{0.9, 1000}, {0.5, 2000}, {0.7, 3000}};
        long general = 1000;
        long arithmetic = 0;
        for (double[] p : rt) {
            general = 1000 + Math.round((1 - p[0]) * p[1]);
            arithmetic = Math.round(p[0] * p[1]);
            feedback.add(new EvalFeedback(
                    feedback.size(),
                    Map.of("general", general, "arithmetic", arithmetic),
                    Map.of("general", 2.0 + truth.forgetting(p[0], p[1]), "arithmetic", 3.0)));
        }
        return cmr.weights(new MixingState(
                feedback.size(),
                arrival,
                available,
                fresh,
                Map.of("general", general, "arithmetic", arithmetic),
                previous,
                feedback));
    }

    @Test
    void factoryBuildsEveryPolicyAndRejectsUnknownNamesAndParameters() {
        assertInstanceOf(StaticPolicy.class, Policies.create("static", Map.of("replay", "0.25")));
        assertInstanceOf(OdmPolicy.class, Policies.create("odm", Map.of("alpha", "0.5")));
        assertInstanceOf(CmrPolicy.class, Policies.create("cmr", Map.of("tolerance", "0.1")));
        assertInstanceOf(AgentPolicy.class, Policies.create("agent", Map.of()));
        assertEquals("temperature", Policies.create("temperature", Map.of()).name());
        IllegalArgumentException unknown =
                assertThrows(IllegalArgumentException.class, () -> Policies.create("doremi", Map.of()));
        assertTrue(unknown.getMessage().contains("known"));
        IllegalArgumentException typo =
                assertThrows(IllegalArgumentException.class, () -> Policies.create("static", Map.of("replai", "0.3")));
        assertTrue(typo.getMessage().contains("replai"), typo.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Policies.create("static", Map.of("replay", "1.5")));
        assertThrows(IllegalArgumentException.class, () -> Policies.create("temperature", Map.of("temperature", "x")));
    }
}

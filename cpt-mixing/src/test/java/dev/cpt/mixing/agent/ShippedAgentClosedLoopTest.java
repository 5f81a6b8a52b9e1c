package dev.cpt.mixing.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.mixing.AgentPolicy;
import dev.cpt.mixing.EvalFeedback;
import dev.cpt.mixing.MixingState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shipped agent run the way the real mixer runs it: hundreds of rounds per phase with its own weights fed back
 * as the previous weights, and an eval only every 25 rounds. Proxy phases are 8 rounds long, so this is where a
 * policy that copies its previous weights drifts into a corner; an earlier agent gave a new domain 2 % of the tokens
 * for a whole demo phase this way.
 */
class ShippedAgentClosedLoopTest {
    private static final int ROUNDS_PER_PHASE = 400;
    private static final long TOKENS_PER_ROUND = 1_032;
    private static final int EVAL_EVERY = 25;

    /**
     * @param horizonTokens 0: progress against the stream's own estimate of the phase's length, as the services run
     *     the agent by default; 90,000: a fixed horizon, as a deployment that sets one does
     */
    @ParameterizedTest(name = "horizon {0} tokens")
    @ValueSource(longs = {0, 90_000})
    void noDomainIsStarvedOrTakesEverythingOverLongPhases(long horizonTokens) throws IOException {
        AgentPolicy agent = new AgentPolicy(AgentArtifact.load(AgentArtifact.BUNDLED), horizonTokens);
        List<String> arrival = new ArrayList<>(List.of("general"));
        Map<String, Long> trained = new TreeMap<>(Map.of("general", 300_000L));
        Map<String, Double> loss = new HashMap<>(Map.of("general", 2.5));
        List<EvalFeedback> feedback = new ArrayList<>(List.of(new EvalFeedback(0, trained, loss)));
        Map<String, Double> previous = Map.of("general", 1.0);
        long round = 0;
        for (String target : List.of("python", "postgresql", "arithmetic")) {
            arrival.add(target);
            trained.put(target, 0L);
            loss.put(target, 3.0);
            double minTarget = 1;
            double maxTarget = 0;
            for (int r = 0; r < ROUNDS_PER_PHASE; r++, round++) {
                Map<String, Long> available = new TreeMap<>();
                arrival.forEach(d -> available.put(d, 100_000L));
                Map<String, Double> w = agent.weights(new MixingState(
                        round, arrival, available, Map.of(), Map.copyOf(trained), previous, List.copyOf(feedback)));
                minTarget = Math.min(minTarget, w.get(target));
                maxTarget = Math.max(maxTarget, w.get(target));
                w.forEach((d, share) -> trained.merge(d, Math.round(share * TOKENS_PER_ROUND), Long::sum));
                // the target's loss falls with the tokens it gets; every earlier domain's rises a little
                loss.put(target, loss.get(target) - 0.002 * w.get(target));
                arrival.stream().filter(d -> !d.equals(target)).forEach(d -> loss.merge(d, 0.0002, Double::sum));
                if ((r + 1) % EVAL_EVERY == 0) {
                    feedback.add(new EvalFeedback(round + 1, Map.copyOf(trained), Map.copyOf(loss)));
                }
                previous = w;
            }
            assertTrue(minTarget >= 0.1, target + ": the new domain fell to a share of " + minTarget);
            assertTrue(maxTarget <= 0.9, target + ": the new domain took a share of " + maxTarget);
        }
    }
}

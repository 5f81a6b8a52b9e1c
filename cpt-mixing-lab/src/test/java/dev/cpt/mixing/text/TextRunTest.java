package dev.cpt.mixing.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.mixing.StaticPolicy;
import dev.cpt.mixing.text.TextRunSettings.Budget;
import dev.cpt.mixing.training.Trajectory;
import dev.cpt.model.ModelPreset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Smoke-sized runs on written text: two rounds of two steps per phase after three pre-training steps. */
class TextRunTest {
    private static final TextRunSettings SMOKE =
            new TextRunSettings(ModelPreset.llamaTiny, 1e-3, 2, 2, 2, 3, 2, Budget.EQUAL_TOKENS);
    private static final List<String> SEQUENCE = List.of("general", "tides", "rivers");

    private static TextCorpora corpora;
    private static TextBase base;

    @BeforeAll
    static void pretrain() {
        corpora = new TextCorpora(
                List.of(domain("general", "weather"), domain("tides", "tide"), domain("rivers", "river")),
                SMOKE.decoderConfig().vocabSize());
        base = TextBase.pretrain(corpora, SMOKE, 5);
    }

    @AfterAll
    static void close() {
        base.close();
    }

    private static TextDomain domain(String name, String topic) {
        List<String> docs = TextDomainTest.documents(topic, 40);
        return new TextDomain(name, docs.subList(4, 40), docs.subList(0, 4));
    }

    private static TextRun.Result run(Budget budget, double replay, long seed) {
        return new TextRun(corpora, SMOKE.withBudget(budget), SEQUENCE, base, seed)
                .run("static-" + replay, s -> StaticPolicy.replay(replay));
    }

    @Test
    void equalBudgetTrainsTheSameTokensPerPhaseWhateverTheReplay() {
        TextRun.Result light = run(Budget.EQUAL_TOKENS, 0.0, 1);
        TextRun.Result heavy = run(Budget.EQUAL_TOKENS, 0.75, 1);
        assertEquals(List.of(SMOKE.phaseTokens(), SMOKE.phaseTokens()), light.phaseTokens());
        assertEquals(light.phaseTokens(), heavy.phaseTokens());
        Trajectory t = heavy.trajectory();
        assertEquals(2 * SMOKE.rounds(), t.steps().size());
        assertEquals(Set.copyOf(SEQUENCE), t.outcome().finalLoss().keySet());
        assertEquals(Set.of("tides", "rivers"), t.outcome().phaseEndLoss().keySet());
        // a quarter of each round is the target's, the rest replay of the earlier domains
        assertEquals(0.25, t.steps().get(0).slotShares()[0], 1e-9);
        assertNotEquals(
                light.trajectory().outcome().finalLoss().get("general"),
                t.outcome().finalLoss().get("general"),
                "replay changes what the model ends with");
    }

    @Test
    void equalFreshLetsAReplayHeavyPolicyTrainLonger() {
        TextRun.Result light = run(Budget.EQUAL_FRESH, 0.0, 2);
        TextRun.Result heavy = run(Budget.EQUAL_FRESH, 0.75, 2);
        for (int p = 0; p < 2; p++) {
            assertTrue(
                    heavy.phaseTokens().get(p) > 2 * light.phaseTokens().get(p),
                    "phase " + p + ": " + heavy.phaseTokens() + " vs " + light.phaseTokens());
        }
    }

    @Test
    void theSameSeedGivesTheSameRun() {
        TextRun.Result a = run(Budget.EQUAL_TOKENS, 0.5, 3);
        TextRun.Result b = run(Budget.EQUAL_TOKENS, 0.5, 3);
        assertEquals(a.trajectory().outcome(), b.trajectory().outcome());
        TextRun.Result other = run(Budget.EQUAL_TOKENS, 0.5, 4);
        assertNotEquals(a.trajectory().outcome(), other.trajectory().outcome(), "the seed orders the documents");
    }
}

package dev.cpt.mixing.rounds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.mixing.EvalFeedback;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MixerLedgerTest {
    @TempDir
    Path dir;

    private static EvalFeedback feedback(long step, double loss) {
        return new EvalFeedback(step, Map.of("law", step * 10), Map.of("law", loss));
    }

    @Test
    void whatARoundCommittedSurvivesARestart() {
        var ledger = new MixerLedger(dir.resolve("ledger.json"), 2);
        ledger.arrived("general");
        ledger.arrived("law");
        ledger.committed(
                4,
                Map.of("general", 0.25, "law", 0.75),
                Map.of("law", 30L),
                Map.of("general", 10L),
                Map.of("general", 0.5, "law", -0.5));
        ledger.observe(feedback(1, 3.0));

        var restarted = new MixerLedger(dir.resolve("ledger.json"), 2);
        assertEquals(5, restarted.nextRound());
        assertEquals(List.of("general", "law"), restarted.arrivalOrder());
        assertEquals(Map.of("general", 10L, "law", 30L), restarted.trainedTokens());
        assertEquals(Map.of("general", 0.25, "law", 0.75), restarted.previousWeights());
        assertEquals(Map.of("general", 0.5, "law", -0.5), restarted.owed());
        assertEquals(List.of(feedback(1, 3.0)), restarted.feedback());
    }

    @Test
    void aLedgerSavedBeforeOwedSequencesWereKeptStillLoadsOwingNothing() throws IOException {
        Path file = dir.resolve("ledger.json");
        Files.writeString(file, """
                {"nextRound":3,"arrivalOrder":["law"],"freshTrained":{"law":12},"replayTrained":{},
                 "previousWeights":{"law":1.0},"feedback":[]}
                """);

        var ledger = new MixerLedger(file, 2);
        assertEquals(3, ledger.nextRound());
        assertEquals(Map.of("law", 12L), ledger.trainedTokens());
        assertEquals(Map.of(), ledger.owed());
    }

    @Test
    void feedbackIsKeptInStepOrderBoundedAndOnce() {
        var ledger = new MixerLedger(null, 2);
        assertTrue(ledger.observe(feedback(1, 3.0)));
        assertFalse(ledger.observe(feedback(1, 3.0)));
        assertTrue(ledger.observe(feedback(2, 2.5)));
        assertTrue(ledger.observe(feedback(3, 2.0)));
        assertEquals(
                List.of(2L, 3L),
                ledger.feedback().stream().map(EvalFeedback::step).toList());
    }

    @Test
    void theBrokersLastCommittedRoundWins() {
        var ledger = new MixerLedger(null, 2);
        ledger.continueAfter(41);
        assertEquals(42, ledger.nextRound());
        ledger.continueAfter(3);
        assertEquals(42, ledger.nextRound());
    }
}

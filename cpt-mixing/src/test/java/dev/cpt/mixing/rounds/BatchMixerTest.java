package dev.cpt.mixing.rounds;

import static dev.cpt.mixing.rounds.TestTokens.tokens;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.PackedSequence;
import dev.cpt.mixing.Simplex;
import dev.cpt.mixing.TemperaturePolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchMixerTest {
    private final List<String> released = new ArrayList<>();

    private Runnable release(String id) {
        return () -> released.add(id);
    }

    private static BatchMixer.Round commit(BatchMixer mixer, BatchMixer.Round round) {
        mixer.committed(round);
        round.completed().forEach(d -> d.release().run());
        return round;
    }

    @Test
    void noRoundUntilABatchOfWholeSequencesIsBuffered() {
        var mixer = new BatchMixer(3, 2, TemperaturePolicy.uniform()); // sequences of 4 tokens, 2 per batch
        mixer.add("law", "a", tokens(0, 7), release("a"));
        assertTrue(mixer.nextFullRound().isEmpty());

        mixer.add("law", "b", tokens(100, 2), release("b"));
        BatchMixer.Round round = mixer.nextFullRound().orElseThrow();

        assertEquals(0, round.round());
        List<PackedSequence> sequences = round.batches().get(0);
        assertEquals(2, sequences.size());
        assertArrayEquals(new int[] {0, 1, 2, 3}, sequences.get(0).tokens());
        assertArrayEquals(new int[] {4, 5, 6, 100}, sequences.get(1).tokens());
        assertEquals(List.of("a", "b"), sequences.get(1).documentIds());
        assertEquals(Map.of("law", 1.0), round.weights());
        assertEquals(Map.of("law", 1), mixer.bufferedTokens());
    }

    @Test
    void roundsAreNumberedByCommitsNotByCuts() {
        var mixer = new BatchMixer(1, 1, TemperaturePolicy.uniform());
        mixer.add("law", "a", tokens(0, 8), release("a"));
        assertEquals(0, commit(mixer, mixer.nextFullRound().orElseThrow()).round());
        assertEquals(1, commit(mixer, mixer.nextFullRound().orElseThrow()).round());
        assertEquals(2, mixer.nextFullRound().orElseThrow().round());
    }

    @Test
    void aDocumentIsReleasedOnlyWithTheRoundThatCarriesItsLastToken() {
        var mixer = new BatchMixer(3, 1, TemperaturePolicy.uniform());
        mixer.add("law", "long", tokens(0, 6), release("long"));
        mixer.add("law", "short", tokens(10, 2), release("short"));

        commit(mixer, mixer.nextFullRound().orElseThrow());
        assertEquals(List.of(), released);

        commit(mixer, mixer.nextFullRound().orElseThrow());
        assertEquals(List.of("long", "short"), released);
    }

    @Test
    void aFlushEmptiesShortTailsSoATrickleStillTrains() {
        var mixer = new BatchMixer(8, 4, TemperaturePolicy.uniform());
        mixer.add("law", "a", tokens(0, 3), release("a"));
        mixer.add("med", "b", tokens(0, 5), release("b"));
        assertTrue(mixer.nextFullRound().isEmpty());

        BatchMixer.Round round = commit(mixer, mixer.flush().orElseThrow());

        assertEquals(
                List.of(3, 5),
                round.batches().get(0).stream()
                        .map(s -> s.tokens().length)
                        .sorted()
                        .toList());
        assertEquals(List.of("a", "b"), released.stream().sorted().toList());
        assertTrue(mixer.flush().isEmpty());
    }

    @Test
    void twoDomainsShareAFullRoundByTheUniformWeightsAndEveryBatchHoldsTheMix() {
        var shape = new BatchMixer.Shape(1, 4, 2, DomainBuffer.NO_SEPARATOR); // sequences of 2 tokens, 2 batches of 4
        var mixer = new BatchMixer(shape, TemperaturePolicy.uniform(), null, new MixerLedger(null, 8), 1);
        mixer.add("law", "a", tokens(0, 20), release("a"));
        mixer.add("med", "b", tokens(0, 20), release("b"));

        BatchMixer.Round round = mixer.nextFullRound().orElseThrow();

        assertEquals(Map.of("law", 0.5, "med", 0.5), round.weights());
        assertEquals(2, round.batches().size());
        for (List<PackedSequence> batch : round.batches()) {
            assertEquals(2, batch.stream().filter(s -> s.domain().equals("law")).count());
            assertEquals(2, batch.stream().filter(s -> s.domain().equals("med")).count());
        }
        // Each domain keeps its order across the round.
        assertEquals(
                List.of(0, 2, 4, 6),
                round.batches().stream()
                        .flatMap(List::stream)
                        .filter(s -> s.domain().equals("law"))
                        .map(s -> s.tokens()[0])
                        .toList());
    }

    /** Fresh sequences per round of general, weighted 0.3 of rounds of 8: 2.4 a round, never a whole number. */
    private static List<Long> generalPerRound(BatchMixer mixer, int rounds, boolean commit) {
        List<Long> counts = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            BatchMixer.Round round = mixer.nextFullRound().orElseThrow();
            if (commit) {
                mixer.committed(round);
            }
            counts.add(round.batches().stream()
                    .flatMap(List::stream)
                    .filter(s -> s.domain().equals("general"))
                    .count());
        }
        return counts;
    }

    private static BatchMixer generalAndLaw(MixerLedger ledger) {
        var mixer = new BatchMixer(
                new BatchMixer.Shape(3, 8, 1, DomainBuffer.NO_SEPARATOR),
                FixedPolicy.of(Map.of("general", 0.3, "law", 0.7)),
                null,
                ledger,
                1);
        mixer.add("general", "g", tokens(0, 400), () -> {});
        mixer.add("law", "l", tokens(0, 400), () -> {});
        return mixer;
    }

    @Test
    void aRestartedMixerOwesEachDomainWhatTheUninterruptedOneWould(@TempDir Path dir) {
        List<Long> uninterrupted = generalPerRound(generalAndLaw(new MixerLedger(null, 8)), 10, true);

        Path ledger = dir.resolve("ledger.json");
        List<Long> restarted = new ArrayList<>(generalPerRound(generalAndLaw(new MixerLedger(ledger, 8)), 4, true));
        restarted.addAll(generalPerRound(generalAndLaw(new MixerLedger(ledger, 8)), 6, true));

        assertEquals(uninterrupted, restarted);
        assertEquals(24, uninterrupted.stream().mapToLong(Long::longValue).sum()); // 0.3 of 80
    }

    @Test
    void aRoundCutButNeverCommittedOwesNothing() {
        var mixer = generalAndLaw(new MixerLedger(null, 8));
        List<Long> uncommitted = generalPerRound(mixer, 3, false);
        assertEquals(List.of(2L, 2L, 2L), uncommitted);
        assertEquals(Map.of(), mixer.ledger().owed());
    }

    @Test
    void theStateShowsArrivalOrderFreshAndAvailableTokensAndWhatWasTrained() {
        var policy = new FixedPolicy(s -> Simplex.uniform(s.availableTokens().keySet()));
        var mixer = new BatchMixer(
                new BatchMixer.Shape(3, 2, 1, DomainBuffer.NO_SEPARATOR), policy, null, new MixerLedger(null, 8), 1);
        mixer.add("med", "a", tokens(0, 8), release("a"));
        mixer.add("law", "b", tokens(0, 8), release("b"));
        commit(mixer, mixer.nextFullRound().orElseThrow());
        mixer.nextFullRound().orElseThrow();

        var first = policy.states.get(0);
        assertEquals(List.of("med", "law"), first.arrivalOrder());
        assertEquals("law", first.targetDomain());
        assertEquals(Map.of("med", 8L, "law", 8L), first.availableTokens());
        assertEquals(Map.of("med", 8L, "law", 8L), first.freshTokens());
        assertEquals(Map.of(), first.previousWeights());
        var second = policy.states.get(1);
        assertEquals(1, second.round());
        assertEquals(Map.of("med", 4L, "law", 4L), second.trainedTokens());
        assertEquals(Map.of("med", 0.5, "law", 0.5), second.previousWeights());
    }
}

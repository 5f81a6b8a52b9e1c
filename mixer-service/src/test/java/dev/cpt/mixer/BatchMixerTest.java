package dev.cpt.mixer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.PackedSequence;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchMixerTest {
    private final List<String> released = new ArrayList<>();

    private static int[] tokens(int from, int count) {
        return IntStream.range(from, from + count).toArray();
    }

    private Runnable release(String id) {
        return () -> released.add(id);
    }

    @Test
    void noRoundUntilABatchOfWholeSequencesIsBuffered() {
        var mixer = new BatchMixer(3, 2, MixingPolicy.uniform()); // sequences of 4 tokens, 2 per batch
        mixer.add("law", "a", tokens(0, 7), release("a"));
        assertTrue(mixer.nextFullRound().isEmpty());

        mixer.add("law", "b", tokens(100, 2), release("b"));
        BatchMixer.Round round = mixer.nextFullRound().orElseThrow();

        assertEquals(0, round.round());
        assertEquals(2, round.sequences().size());
        assertArrayEquals(new int[] {0, 1, 2, 3}, round.sequences().get(0).tokens());
        assertArrayEquals(new int[] {4, 5, 6, 100}, round.sequences().get(1).tokens());
        assertEquals(List.of("a", "b"), round.sequences().get(1).documentIds());
        assertEquals(Map.of("law", 1.0), round.weights());
        assertEquals(Map.of("law", 1), mixer.bufferedTokens());
    }

    @Test
    void aDocumentIsReleasedOnlyWithTheSequenceThatCarriesItsLastToken() {
        var mixer = new BatchMixer(3, 1, MixingPolicy.uniform());
        mixer.add("law", "long", tokens(0, 6), release("long"));
        mixer.add("law", "short", tokens(10, 2), release("short"));

        mixer.nextFullRound().orElseThrow().completed().forEach(Runnable::run);
        assertEquals(List.of(), released);

        mixer.nextFullRound().orElseThrow().completed().forEach(Runnable::run);
        assertEquals(List.of("long", "short"), released);
    }

    @Test
    void aFlushEmptiesShortTailsSoATrickleStillTrains() {
        var mixer = new BatchMixer(8, 4, MixingPolicy.uniform());
        mixer.add("law", "a", tokens(0, 3), release("a"));
        mixer.add("med", "b", tokens(0, 5), release("b"));
        assertTrue(mixer.nextFullRound().isEmpty());

        BatchMixer.Round round = mixer.flush().orElseThrow();
        round.completed().forEach(Runnable::run);

        assertEquals(List.of(3, 5), round.sequences().stream().map(s -> s.tokens().length).toList());
        assertEquals(List.of("a", "b"), released);
        assertTrue(mixer.flush().isEmpty());
    }

    @Test
    void twoDomainsShareAFullRoundByTheUniformWeights() {
        var mixer = new BatchMixer(1, 4, MixingPolicy.uniform()); // sequences of 2 tokens
        mixer.add("law", "a", tokens(0, 10), release("a"));
        mixer.add("med", "b", tokens(0, 10), release("b"));

        BatchMixer.Round round = mixer.nextFullRound().orElseThrow();

        assertEquals(Map.of("law", 0.5, "med", 0.5), round.weights());
        assertEquals(2, round.sequences().stream().map(PackedSequence::domain).filter("law"::equals).count());
        assertEquals(2, round.sequences().stream().map(PackedSequence::domain).filter("med"::equals).count());
    }
}

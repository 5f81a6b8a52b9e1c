package dev.cpt.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cpt.ingest.bench.CorpusGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeduplicatorTest {
    private static final Deduplicator.Settings ON = new Deduplicator.Settings(true, true, 1000, 1000);
    private final MinHasher hasher = MinHasher.forThreshold(0.8, 5, 128);
    private final CorpusGenerator corpus = new CorpusGenerator(3);

    @TempDir
    Path state;

    @Test
    void exactAndNearCopiesAreCaughtAndOtherDocumentsPass() {
        try (Deduplicator d = new Deduplicator(ON, hasher, null)) {
            String text = corpus.document(3000);
            assertNull(d.reserve(1, d.nearKeys(text)).duplicate());
            assertEquals(Deduplicator.Kind.EXACT, d.reserve(1, d.nearKeys(text)).duplicate());
            assertEquals(
                    Deduplicator.Kind.NEAR,
                    d.reserve(2, d.nearKeys(corpus.nearCopy(text, 0.005))).duplicate());
            assertNull(d.reserve(3, d.nearKeys(corpus.document(3000))).duplicate());
        }
    }

    @Test
    void aReleasedReservationIsNotADuplicate() {
        try (Deduplicator d = new Deduplicator(ON, hasher, null)) {
            String text = corpus.document(1000);
            var first = d.reserve(7, d.nearKeys(text));
            d.release(first.reservation());
            assertNull(d.reserve(7, d.nearKeys(text)).duplicate(), "the broker never got it, so a retry must pass");
        }
    }

    @Test
    void committedFingerprintsSurviveARestartAndUncommittedOnesDoNot() {
        String stored = corpus.document(2000);
        String inFlight = corpus.document(2000);
        try (Deduplicator d = new Deduplicator(ON, hasher, state)) {
            d.commit(List.of(d.reserve(11, d.nearKeys(stored)).reservation()));
            d.reserve(12, d.nearKeys(inFlight)); // reserved, never acknowledged: the process dies
        }
        try (Deduplicator d = new Deduplicator(ON, hasher, state)) {
            assertEquals(
                    Deduplicator.Kind.EXACT, d.reserve(11, d.nearKeys(stored)).duplicate());
            assertEquals(
                    Deduplicator.Kind.NEAR,
                    d.reserve(99, d.nearKeys(corpus.nearCopy(stored, 0.005))).duplicate());
            assertNull(d.reserve(12, d.nearKeys(inFlight)).duplicate());
        }
    }

    @Test
    void memoryAndTheJournalStayBoundedByTheWindow() throws Exception {
        var small = new Deduplicator.Settings(true, false, 100, 1);
        try (Deduplicator d = new Deduplicator(small, hasher, state)) {
            for (long i = 1; i <= 10_000; i++) {
                d.commit(List.of(d.reserve(i, new long[0]).reservation()));
            }
        }
        // header plus at most two windows of 8-byte entries
        long size = Files.size(state.resolve("exact.fp"));
        assertEquals(true, size <= 16 + 2 * 100 * 8 + 8, "journal of " + size + " bytes");
        try (Deduplicator d = new Deduplicator(small, hasher, state)) {
            assertEquals(Deduplicator.Kind.EXACT, d.reserve(10_000, new long[0]).duplicate());
            assertEquals(Deduplicator.Kind.EXACT, d.reserve(9_901, new long[0]).duplicate());
            assertNull(d.reserve(1, new long[0]).duplicate(), "the oldest fell out of the window");
        }
    }

    @Test
    void nearKeysMadeWithOtherParametersAreDiscarded() {
        String text = corpus.document(2000);
        try (Deduplicator d = new Deduplicator(ON, hasher, state)) {
            d.commit(List.of(d.reserve(1, d.nearKeys(text)).reservation()));
        }
        MinHasher other = MinHasher.forThreshold(0.6, 5, 128);
        try (Deduplicator d = new Deduplicator(ON, other, state)) {
            assertNull(d.reserve(2, d.nearKeys(corpus.nearCopy(text, 0.0))).duplicate());
        }
    }
}

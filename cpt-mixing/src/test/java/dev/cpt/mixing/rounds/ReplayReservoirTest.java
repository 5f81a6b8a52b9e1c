package dev.cpt.mixing.rounds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.PackedSequence;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayReservoirTest {
    @TempDir
    Path dir;

    /** Document i holds 20 tokens i*1000, i*1000+1, ...: a drawn window tells which document and where it came from. */
    private static int[] doc(int i) {
        return IntStream.range(i * 1000, i * 1000 + 20).toArray();
    }

    private static Set<String> sampledIds(ReplayReservoir reservoir, String domain) {
        Set<String> ids = new HashSet<>();
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < 500; i++) {
            ids.addAll(reservoir.draw(domain, 5, DomainBuffer.NO_SEPARATOR, rng).documentIds());
        }
        return ids;
    }

    private long filesOnDisk() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".tokens")).count();
        }
    }

    @Test
    void theSampleIsBoundedAndReachesBeyondTheFirstDocuments() {
        var reservoir = new ReplayReservoir(dir, 10, 1_000_000, 42);
        for (int i = 0; i < 1000; i++) {
            reservoir.offer("general", "g" + i, doc(i));
        }
        assertEquals(10, reservoir.documents("general"));
        assertEquals(200, reservoir.tokens("general"));
        Set<String> ids = sampledIds(reservoir, "general");
        assertEquals(10, ids.size());
        // Algorithm R keeps each of the 1000 with probability 1/100: a sample of the first ten only would be a bug.
        assertTrue(ids.stream().anyMatch(id -> Integer.parseInt(id.substring(1)) >= 100), ids.toString());
    }

    @Test
    void beyondItsMemoryBudgetTheSampleIsReadFromDisk() throws IOException {
        var reservoir = new ReplayReservoir(dir, 10, 50, 42); // room in memory for two documents of 20 tokens
        for (int i = 0; i < 10; i++) {
            reservoir.offer("general", "g" + i, doc(i));
        }
        reservoir.persist();
        assertTrue(reservoir.tokensInMemory() <= 50, "tokens in memory: " + reservoir.tokensInMemory());
        assertEquals(10, filesOnDisk());

        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < 200; i++) {
            PackedSequence s = reservoir.draw("general", 8, DomainBuffer.NO_SEPARATOR, rng);
            assertTrue(s.replay());
            // A window of one document: consecutive ids of the document it names.
            int first = s.tokens()[0];
            assertEquals(List.of("g" + first / 1000), s.documentIds());
            assertEquals(Arrays.toString(IntStream.range(first, first + 8).toArray()), Arrays.toString(s.tokens()));
            assertTrue(reservoir.tokensInMemory() <= 50);
        }
    }

    @Test
    void shortDocumentsArePackedWithTheirBoundariesMarked() {
        var reservoir = new ReplayReservoir(dir, 10, 1000, 42);
        reservoir.offer("units", "u", new int[] {1, 2, 3});
        PackedSequence s = reservoir.draw("units", 8, 0, new SplittableRandom(1));
        assertEquals("[1, 2, 3, 0, 1, 2, 3, 0]", Arrays.toString(s.tokens()));
        assertEquals("[0, 4]", Arrays.toString(s.documentStarts()));
    }

    @Test
    void theSampleSurvivesARestartAndGoesOnAsIfUninterrupted() {
        var uninterrupted = new ReplayReservoir(dir.resolve("a"), 5, 1000, 9);
        var restarted = new ReplayReservoir(dir.resolve("b"), 5, 1000, 9);
        for (int i = 0; i < 50; i++) {
            uninterrupted.offer("general", "g" + i, doc(i));
            restarted.offer("general", "g" + i, doc(i));
        }
        restarted.persist();
        restarted = new ReplayReservoir(dir.resolve("b"), 5, 1000, 9);
        assertEquals(uninterrupted.tokens("general"), restarted.tokens("general"));
        for (int i = 50; i < 200; i++) {
            uninterrupted.offer("general", "g" + i, doc(i));
            restarted.offer("general", "g" + i, doc(i));
        }
        assertEquals(sampledIds(uninterrupted, "general"), sampledIds(restarted, "general"));
    }

    @Test
    void documentsOfferedAfterTheLastPersistAreForgottenCleanlyByARestart() throws IOException {
        var reservoir = new ReplayReservoir(dir, 3, 1000, 1);
        for (int i = 0; i < 3; i++) {
            reservoir.offer("general", "g" + i, doc(i));
        }
        reservoir.persist();
        for (int i = 3; i < 30; i++) {
            reservoir.offer("general", "g" + i, doc(i)); // a crash comes before the next persist
        }
        assertNotEquals(3, filesOnDisk());

        var restarted = new ReplayReservoir(dir, 3, 1000, 1);
        assertEquals(Set.of("g0", "g1", "g2"), sampledIds(restarted, "general"));
        assertEquals(3, filesOnDisk());
    }

    @Test
    void aPersistDeletesTheFilesOfDocumentsThatLeftTheSample() throws IOException {
        var reservoir = new ReplayReservoir(dir, 3, 1000, 1);
        for (int i = 0; i < 30; i++) {
            reservoir.offer("general", "g" + i, doc(i));
            if (i % 7 == 0) {
                reservoir.persist();
            }
        }
        reservoir.persist();
        assertEquals(3, filesOnDisk());
        assertEquals(sampledIds(reservoir, "general"), sampledIds(new ReplayReservoir(dir, 3, 1000, 1), "general"));
    }

    @Test
    void aRedeliveredDocumentIsNotSampledTwice() {
        var reservoir = new ReplayReservoir(dir, 10, 1000, 1);
        reservoir.offer("general", "g0", doc(0));
        reservoir.offer("general", "g0", doc(0));
        assertEquals(1, reservoir.documents("general"));
    }
}

package dev.cpt.mixer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompletedDocumentsTest {
    @TempDir
    Path dir;

    @Test
    void onlyRoundsTheBrokerCommittedCount() throws IOException {
        Path file = dir.resolve("completed.jsonl");
        var log = new CompletedDocuments(file, 100);
        log.recording(0, List.of("a"));
        log.recording(1, List.of("b")); // aborted: round 1 is written again below
        log.recording(1, List.of("c"));
        log.recording(2, List.of("d")); // written, but the crash came before its commit
        Files.writeString(file, "{\"round\":3,\"ids\":[\"e", StandardOpenOption.APPEND); // torn by the crash

        var restarted = new CompletedDocuments(file, 100);
        restarted.resume(1);

        assertTrue(restarted.trained("a"));
        assertFalse(restarted.trained("b"));
        assertTrue(restarted.trained("c"));
        assertFalse(restarted.trained("d"));
        assertFalse(restarted.trained("e"));
        assertEquals(2, Files.readAllLines(file).size(), "compacted to the committed rounds");
    }

    @Test
    void onlyTheLastRoundsAreRemembered() {
        Path file = dir.resolve("completed.jsonl");
        var log = new CompletedDocuments(file, 3);
        for (int round = 0; round < 10; round++) {
            log.recording(round, List.of("doc-" + round));
        }
        var restarted = new CompletedDocuments(file, 3);
        restarted.resume(9);
        assertFalse(restarted.trained("doc-6"));
        assertTrue(restarted.trained("doc-7"));
        assertTrue(restarted.trained("doc-9"));
    }
}

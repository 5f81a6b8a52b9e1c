package dev.cpt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cpt.contracts.ConsumedOffset;
import dev.cpt.contracts.TrainedBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingJournalTest {
    @TempDir
    Path runDir;

    @Test
    void resumingCutsTheBatchesWhoseWeightsWereLostAndAppendsAfterThem() throws Exception {
        try (var journal = TrainingJournal.open(runDir, List.of())) {
            for (int offset = 0; offset < 5; offset++) {
                journal.append(new TrainedBatch(offset + 1, "b" + offset, "cpt.batches", 0, offset, true));
            }
        }
        // The last checkpoint had consumed offsets 0..2: batches 3 and 4 are trained again after the restart.
        try (var journal = TrainingJournal.open(runDir, List.of(new ConsumedOffset("cpt.batches", 0, 3)))) {
            journal.append(new TrainedBatch(4, "b3", "cpt.batches", 0, 3, true));
        }

        List<String> lines = Files.readAllLines(runDir.resolve(TrainedBatch.JOURNAL_FILE));
        assertEquals(4, lines.size());
        assertEquals(
                List.of("b0", "b1", "b2", "b3"),
                lines.stream()
                        .map(l -> dev.cpt.contracts.Json.read(l, TrainedBatch.class)
                                .batchId())
                        .toList());
    }

    @Test
    void aRunWithNoCheckpointStartsAnEmptyJournal() throws Exception {
        try (var journal = TrainingJournal.open(runDir, List.of())) {
            journal.append(new TrainedBatch(1, "b0", "cpt.batches", 0, 0, true));
        }
        try (var journal = TrainingJournal.open(runDir, List.of())) {
            // nothing appended
        }
        assertEquals(
                0, Files.readAllLines(runDir.resolve(TrainedBatch.JOURNAL_FILE)).size());
    }
}

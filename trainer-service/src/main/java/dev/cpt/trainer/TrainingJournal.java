package dev.cpt.trainer;

import dev.cpt.contracts.ConsumedOffset;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.TrainedBatch;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * One line per consumed batch, in training order ({@code <store>/<run>/trained-batches.jsonl}), written when the
 * optimizer step its gradients went into is taken: the audit trail that shows every batch was trained exactly once. On resume, the lines after the checkpoint's offsets are cut, because
 * the weights that trained them were lost with the crash and those batches will be read again.
 */
final class TrainingJournal implements AutoCloseable {
    private final BufferedWriter out;

    private TrainingJournal(BufferedWriter out) {
        this.out = out;
    }

    static TrainingJournal open(Path runDir, List<ConsumedOffset> resumeFrom) {
        Path file = runDir.resolve(TrainedBatch.JOURNAL_FILE);
        try {
            Files.createDirectories(runDir);
            if (Files.exists(file)) {
                List<String> kept = Files.readAllLines(file).stream()
                        .filter(line -> !line.isBlank())
                        .filter(line -> coveredBy(Json.read(line, TrainedBatch.class), resumeFrom))
                        .toList();
                Files.write(file, kept, StandardCharsets.UTF_8);
            }
            return new TrainingJournal(Files.newBufferedWriter(
                    file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the training journal " + file, e);
        }
    }

    private static boolean coveredBy(TrainedBatch e, List<ConsumedOffset> positions) {
        return positions.stream()
                .anyMatch(p ->
                        p.topic().equals(e.topic()) && p.partition() == e.partition() && e.offset() < p.nextOffset());
    }

    void append(TrainedBatch entry) {
        try {
            out.write(Json.write(entry));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the training journal", e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

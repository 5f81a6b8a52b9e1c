package dev.cpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.TrainedBatch;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.launcher.Service;
import dev.cpt.launcher.Stack;
import dev.cpt.launcher.StackOptions;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exact resume: the trainer is killed with SIGKILL in the middle of a run against the real broker, restarted, and
 * afterwards its journal holds every batch of the topic exactly once, in order: no gap, no duplicate.
 */
class TrainerCrashResumeIT {
    private static final int BATCHES = 40;
    private static final Duration TIMEOUT = Duration.ofMinutes(6);

    @TempDir
    Path dataDir;

    @Test
    void aTrainerKilledMidRunTrainsEveryBatchExactlyOnceAfterRestart() throws Exception {
        StackOptions options = StackOptions.ephemeral(
                        Path.of("..").toAbsolutePath().normalize(), dataDir)
                .with("cpt.trainer.run-id", "crash-drill")
                .with("cpt.trainer.checkpoint-every-steps", "4")
                // The stack plumbing is under test, not the encoder: the tiny one trains in seconds.
                .with("cpt.reward.encoder.preset", "tiny");
        try (Stack stack = Stack.start(options);
                var kafka = new KafkaCompanion(stack.kafka().bootstrapServers())) {
            List<String> produced = produceBatches(kafka);
            Path journal = dataDir.resolve("checkpoints/crash-drill").resolve(TrainedBatch.JOURNAL_FILE);

            int linesAtKill = awaitLines(journal, 10);
            stack.service(Service.TRAINER).kill();
            assertTrue(linesAtKill < BATCHES, "the trainer finished before it could be killed");

            stack.service(Service.TRAINER).restart(Duration.ofMinutes(3));
            awaitLines(journal, BATCHES);

            List<String> trained = batchIds(journal);
            assertEquals(BATCHES, trained.size(), "journal: " + trained);
            assertEquals(BATCHES, new HashSet<>(trained).size(), "a batch was trained twice: " + trained);
            assertEquals(produced, trained, "batches must be trained exactly once, in the order of the topic");
        }
    }

    private static List<String> produceBatches(KafkaCompanion kafka) {
        Random rng = new Random(7);
        List<String> ids = new ArrayList<>();
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            List<PackedSequence> rows = IntStream.range(0, 32)
                    .mapToObj(r ->
                            new PackedSequence("drill", rng.ints(129, 32, 127).toArray(), List.of()))
                    .toList();
            String id = "drill-" + b;
            ids.add(id);
            records.add(new ProducerRecord<>(
                    TrainingBatch.TOPIC,
                    id,
                    Json.write(new TrainingBatch(id, b, 128, rows, Map.of("drill", 1.0), Instant.now()))));
        }
        kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofMinutes(1));
        return ids;
    }

    /** Waits until the journal holds at least {@code lines} lines and returns how many it holds then. */
    private static int awaitLines(Path journal, int lines) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(journal)) {
                int n = batchIds(journal).size();
                if (n >= lines) {
                    return n;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the journal " + journal + " did not reach " + lines + " lines within " + TIMEOUT);
    }

    /** Batch ids of the complete lines; a line the trainer is still writing has no newline yet and is left out. */
    private static List<String> batchIds(Path journal) throws IOException {
        String content = Files.readString(journal);
        String complete = content.substring(0, content.lastIndexOf('\n') + 1);
        return complete.lines()
                .filter(l -> !l.isBlank())
                .map(l -> Json.read(l, TrainedBatch.class).batchId())
                .toList();
    }
}

package dev.cpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.common.tokenizer.TokenizerIdentity;
import dev.cpt.contracts.GrpoStatus;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.TrainedBatch;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.launcher.Service;
import dev.cpt.launcher.Stack;
import dev.cpt.launcher.StackOptions;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exact resume: the trainer is killed with SIGKILL in the middle of a run against the real broker, restarted, and
 * afterwards its journal holds every batch of the topic exactly once, in order: no gap, no duplicate. Then, on the same
 * stack, it is killed again in the middle of a GRPO stage (rewards from the real reward service), and after the
 * restart the stage goes on under the same id from its last checkpoint and succeeds.
 */
class TrainerCrashResumeIT {
    private static final int BATCHES = 40;
    /** The tiny model's context: each row holds one token more, the last position's target. */
    private static final int CONTEXT = 64;

    private static final Duration TIMEOUT = Duration.ofMinutes(6);
    private static final int GRPO_STEPS = 6;
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dataDir;

    @Test
    void aTrainerKilledMidRunTrainsEveryBatchExactlyOnceAfterRestart() throws Exception {
        StackOptions options = KillDrills.quickFailover(
                        StackOptions.ephemeral(Path.of("..").toAbsolutePath().normalize(), dataDir))
                .with("cpt.trainer.run-id", "crash-drill")
                .with("cpt.trainer.checkpoint-every-steps", "4")
                // Resuming is under test, not learning: the tiny model (context 64) trains a batch in a fraction of
                // the time small1M takes, on the two cores the stack shares with the test.
                .with("cpt.trainer.model", "tiny")
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

            aGrpoStageKilledMidwayResumesUnderItsId(stack);
        }
    }

    /**
     * A small stage with a checkpoint every step, killed once it has checkpointed step 1: after the restart the same
     * id reaches succeeded at its last step, its checkpoints continue the list it had, its earlier fields are kept.
     */
    private static void aGrpoStageKilledMidwayResumesUnderItsId(Stack stack) throws Exception {
        HttpResponse<String> started = HTTP.send(
                HttpRequest.newBuilder(stack.service(Service.TRAINER).url("/grpo"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"task\":\"arithmetic\",\"prompts\":8,"
                                + "\"heldOutPrompts\":2,\"steps\":" + GRPO_STEPS + ",\"groupSize\":2,"
                                + "\"promptsPerStep\":2,\"maxNewTokens\":8,\"checkpointEverySteps\":1}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, started.statusCode(), started.body());
        String id = Json.read(started.body(), GrpoStatus.class).id();

        GrpoStatus atKill =
                awaitGrpo(stack, id, s -> s.step() >= 1 && s.checkpoints().size() >= 2);
        stack.service(Service.TRAINER).kill();
        assertEquals(GrpoStatus.RUNNING, atKill.state(), "the stage ended before it could be killed: " + atKill);

        Instant restarted = Instant.now();
        stack.service(Service.TRAINER).restart(Duration.ofMinutes(3));
        GrpoStatus end = awaitGrpo(
                stack,
                id,
                s -> s.state().equals(GrpoStatus.SUCCEEDED) || s.state().equals(GrpoStatus.FAILED));
        assertEquals(GrpoStatus.SUCCEEDED, end.state(), () -> "the resumed stage failed: " + end.error());
        assertEquals(GRPO_STEPS, end.step());
        assertEquals(1, end.resumes(), "resumed once");
        assertEquals(atKill.runId(), end.runId());
        assertEquals(atKill.spec(), end.spec());
        assertEquals(atKill.startedAt(), end.startedAt());
        assertEquals(atKill.heldOutRewardBefore(), end.heldOutRewardBefore());
        assertEquals(atKill.heldOutAnsweredBefore(), end.heldOutAnsweredBefore());
        assertTrue(end.finishedAt().isAfter(restarted), end.toString());
        List<String> checkpoints = end.checkpoints();
        assertEquals(GRPO_STEPS + 1, checkpoints.size(), "one per step and the base, each once: " + checkpoints);
        assertEquals(
                atKill.checkpoints(),
                checkpoints.subList(0, atKill.checkpoints().size()),
                "continued");
        for (int step = 0; step <= GRPO_STEPS; step++) {
            assertTrue(checkpoints.get(step).contains(String.format("step-%09d", step)), checkpoints.toString());
        }
        List<GrpoStatus> listed = List.of(Json.read(get(stack, "/grpo"), GrpoStatus[].class));
        assertEquals(1, listed.stream().filter(s -> s.id().equals(id)).count(), "no second copy: " + listed);
    }

    private static GrpoStatus awaitGrpo(Stack stack, String id, Predicate<GrpoStatus> done) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        GrpoStatus status = null;
        while (System.nanoTime() < deadline) {
            status = Json.read(get(stack, "/grpo/" + id), GrpoStatus.class);
            if (done.test(status)) {
                return status;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the GRPO stage " + id + " did not get there within " + TIMEOUT + ": " + status);
    }

    private static String get(Stack stack, String path) throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(stack.service(Service.TRAINER).url(path))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), path + ": " + response.body());
        return response.body();
    }

    private static List<String> produceBatches(KafkaCompanion kafka) {
        Random rng = new Random(7);
        List<String> ids = new ArrayList<>();
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            List<PackedSequence> rows = IntStream.range(0, 32)
                    .mapToObj(r -> new PackedSequence(
                            "drill", rng.ints(CONTEXT + 1, 32, 127).toArray(), List.of()))
                    .toList();
            String id = "drill-" + b;
            ids.add(id);
            records.add(new ProducerRecord<>(
                    TrainingBatch.TOPIC,
                    id,
                    Json.write(new TrainingBatch(
                            id,
                            b,
                            CONTEXT,
                            rows,
                            Map.of("drill", 1.0),
                            Instant.now(),
                            TokenizerIdentity.BYTE_FINGERPRINT))));
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

package dev.cpt.trainer;

import static dev.cpt.contracts.metrics.Metrics.TRAINER_CHECKPOINTS_DELETED;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_CHECKPOINTS_KEPT;
import static dev.cpt.contracts.metrics.Metrics.TRAINER_CHECKPOINT_BYTES;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.service.CheckpointStore;
import dev.cpt.testkit.AwaitRecord;
import dev.cpt.testkit.EmbeddedKafkaResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Checkpoint retention against the real broker, the test playing eval: it publishes reports on {@code
 * cpt.eval.reports} for some of the checkpoints it has the trainer write, and leaves the others unreported, as when
 * eval lags behind. The test profile checkpoints after every step; keep-last is the default, 3. Only checkpoints this
 * test wrote are ever reported on, so those of the other tests of this application stay (unreported) for them.
 */
@QuarkusTest
@WithTestResource(EmbeddedKafkaResource.class)
class CheckpointRetentionTest {
    private static final String RUN = "demo";
    private static final String DOMAIN = "retention";
    private static final int[] TOKENS = "old ones make room for new".chars().toArray();

    private final KafkaCompanion kafka =
            new KafkaCompanion(EmbeddedKafkaResource.broker().bootstrapServers());

    @Inject
    CheckpointStore store;

    private int batchesSent;

    @Test
    void nothingEvalHasNotReportedOnIsDeletedAndReportedOnesGoDownToTheLastThree() throws Exception {
        Path runDir = store.root().resolve(RUN);
        // what a crash between moving a checkpoint aside and deleting its files leaves
        Path interrupted = runDir.resolve(CheckpointRetention.TRASH_PREFIX + "step-000000999");
        Files.createDirectories(interrupted);
        Files.writeString(interrupted.resolve("model.safetensors"), "half deleted");

        List<CheckpointEvent> s = train(6); // s[0] .. s[5]
        assertFalse(Files.exists(interrupted), "the interrupted deletion was not finished");
        // Eval has reported on none of the six: all are kept, though only three are among the last three.
        s.forEach(c -> assertTrue(Files.isDirectory(dirOf(c)), c.uri() + " deleted before eval reported on it"));

        // Eval catches up with the first two: they go, the next two stay while they are unreported.
        report(s.subList(0, 2));
        awaitDeleted(s.subList(0, 2));
        s.addAll(train(1)); // s[6]: the last three are s[4..6]; its pass ran before it was announced
        for (CheckpointEvent kept : s.subList(2, 7)) {
            assertTrue(Files.isDirectory(dirOf(kept)), kept.uri() + " deleted; unreported or among the last 3");
        }

        // Eval reports on everything up to s[5], s[6] still lags: down to the last three plus the kept ones.
        report(s.subList(2, 6));
        awaitDeleted(s.subList(2, 4));
        s.addAll(train(1)); // s[7]: s[4] is no longer among the last three
        for (CheckpointEvent gone : s.subList(0, 5)) {
            assertFalse(Files.exists(dirOf(gone)), gone.uri() + " kept though reported and older than the last 3");
        }
        for (CheckpointEvent kept : s.subList(5, 8)) {
            assertTrue(Files.isDirectory(dirOf(kept)), kept.uri() + " deleted though among the last 3");
        }
        Path latest = runDir.resolve(
                Files.readString(runDir.resolve(TrainingRun.LATEST)).strip());
        assertEquals(dirOf(s.get(7)), latest);
        assertTrue(Files.isDirectory(store.checkpointDir(RUN, 0)), "the base was deleted");
        assertEquals(List.of(), leftoverTrash(runDir));

        String scrape = given().when().get("/q/metrics").asString();
        assertTrue(
                scrape.contains(TRAINER_CHECKPOINTS_DELETED.prometheusName() + "{run=\"demo\"} 5.0"),
                "deletions not counted: "
                        + scrape.lines()
                                .filter(l -> l.contains("checkpoints_deleted"))
                                .toList());
        assertTrue(scrape.contains(TRAINER_CHECKPOINTS_KEPT.prometheusName() + "{reason=\"unreported\",run=\"demo\"}"));
        assertTrue(scrape.contains(TRAINER_CHECKPOINT_BYTES.prometheusName() + "{run=\"demo\"}"));
    }

    /** Sends {@code n} batches of this test's domain and returns the checkpoints they were trained into, in order. */
    private List<CheckpointEvent> train(int n) {
        int first = batchesSent;
        kafka.produceStrings()
                .fromRecords(java.util.stream.IntStream.range(0, n)
                        .mapToObj(i -> new ProducerRecord<String, String>(
                                TrainingBatch.TOPIC, 0, "k", Json.write(batch("retention-" + (first + i)))))
                        .toList())
                .awaitCompletion(Duration.ofSeconds(30));
        batchesSent += n;
        // The domain is this test's alone: its token count tells which of the run's checkpoints are this test's.
        long before = (long) first * TOKENS.length;
        return new java.util.ArrayList<>(AwaitRecord.all(
                        kafka,
                        r -> {
                            CheckpointEvent e = Json.read(r.value(), CheckpointEvent.class);
                            return RUN.equals(e.runId()) && e.tokensPerDomain().getOrDefault(DOMAIN, 0L) > before;
                        },
                        n,
                        Duration.ofSeconds(120),
                        CheckpointEvent.TOPIC)
                .stream()
                .map(r -> Json.read(r.value(), CheckpointEvent.class))
                .sorted(Comparator.comparingLong(CheckpointEvent::step))
                .toList());
    }

    private static TrainingBatch batch(String id) {
        return new TrainingBatch(
                id,
                0,
                32,
                List.of(new PackedSequence(DOMAIN, TOKENS, List.of("doc-" + id))),
                Map.of(DOMAIN, 1.0),
                Instant.now(),
                ByteTokenizer.FINGERPRINT);
    }

    /** What eval publishes once it has scored a checkpoint; only the run, the step and the manifest hash matter. */
    private void report(List<CheckpointEvent> checkpoints) {
        kafka.produceStrings()
                .fromRecords(checkpoints.stream()
                        .map(c -> new ProducerRecord<>(
                                EvalReport.TOPIC,
                                RUN,
                                Json.write(new EvalReport(
                                        RUN, c.step(), c.sha256(), Map.of(), "heldout", null, Instant.now()))))
                        .toList())
                .awaitCompletion(Duration.ofSeconds(30));
    }

    /** Waits until the trainer has read the reports and deleted these checkpoints (it looks once a second). */
    private static void awaitDeleted(List<CheckpointEvent> checkpoints) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (checkpoints.stream().anyMatch(c -> Files.exists(dirOf(c)))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("still there after eval reported on them: "
                        + checkpoints.stream()
                                .filter(c -> Files.exists(dirOf(c)))
                                .map(CheckpointEvent::uri)
                                .toList());
            }
            Thread.sleep(100);
        }
    }

    private static List<Path> leftoverTrash(Path runDir) throws java.io.IOException {
        try (var entries = Files.list(runDir)) {
            return entries.filter(p -> p.getFileName().toString().startsWith(CheckpointRetention.TRASH_PREFIX))
                    .toList();
        }
    }

    private static Path dirOf(CheckpointEvent c) {
        return Path.of(URI.create(c.uri()));
    }
}

package dev.cpt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import dev.cpt.contracts.TrainedBatch;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.launcher.Service;
import dev.cpt.launcher.Stack;
import dev.cpt.launcher.StackOptions;
import dev.cpt.testkit.AwaitRecord;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault drills on one real embedded stack (KRaft broker + the five packaged services as child JVMs):
 * a load drill at a steady ingest rate, then SIGKILL and restart of the trainer, the mixer, eval and the broker
 * itself while documents flow. Afterwards every document ingest accepted is accounted for (trained on, per the
 * trainer's journal and the batches' document ids; or on {@code cpt.heldout}), every duplicate and reject has its
 * reason, no batch was trained twice, and every checkpoint has an eval report.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultDrillIT {
    private static final String RUN = "drill";
    private static final Duration SETTLE = Duration.ofMinutes(4);
    private static final Duration RESTART = Duration.ofMinutes(3);
    /** Load drill: documents per second and seconds (override with -Dcpt.load.rate / -Dcpt.load.seconds). */
    private static final int LOAD_RATE = Integer.getInteger("cpt.load.rate", 5);

    private static final int LOAD_SECONDS = Integer.getInteger("cpt.load.seconds", 10);

    @TempDir
    static Path dataDir;

    private static Stack stack;

    @RegisterExtension
    static final StackLogsOnFailure LOGS_ON_FAILURE = new StackLogsOnFailure(() -> stack);

    private static KafkaCompanion kafka;
    private static final Workload.Ledger ledger = new Workload.Ledger();
    private static int seed;

    @BeforeAll
    static void startStack() {
        StackOptions options = StackOptions.ephemeral(
                        Path.of("..").toAbsolutePath().normalize(), dataDir)
                .with("cpt.trainer.run-id", RUN)
                .with("cpt.trainer.checkpoint-every-steps", "4")
                // The tiny model (context 64) keeps the drill about the pipeline, not about CPU time: the stack
                // shares two cores with the test, and what is checked does not depend on the model's size.
                .with("cpt.trainer.model", "tiny")
                .with("cpt.mixer.context-length", "64")
                .with("cpt.mixer.flush-after", "1s")
                // The stack plumbing is under test, not the encoder: the tiny one trains in seconds.
                .with("cpt.reward.encoder.preset", "tiny");
        stack = Stack.start(options);
        kafka = new KafkaCompanion(stack.kafka().bootstrapServers());
    }

    @AfterAll
    static void stopStack() {
        if (kafka != null) {
            kafka.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    /**
     * A steady stream of small JSONL posts for a bounded time; prints the accepted rate, the time for every
     * accepted document to reach its topic, and the consumer lag of the mixer and trainer until it is back to zero.
     */
    @Test
    @Order(1)
    void loadDrill() throws Exception {
        int perTick = Math.max(1, LOAD_RATE / 5);
        long tickNanos = 200_000_000L;
        long start = System.nanoTime();
        long next = start;
        int before = ledger.acceptedSplit.size();
        int posted = 0;
        long maxMixerLag = 0;
        long maxTrainerLag = 0;
        try (Admin admin = stack.kafka().admin()) {
            while (System.nanoTime() - start < Duration.ofSeconds(LOAD_SECONDS).toNanos()) {
                List<RawDocument> docs = new ArrayList<>(Workload.arithmetic("load-" + posted, perTick, ++seed));
                int status = Workload.post(stack, docs, ledger, null);
                assertEquals(202, status, "ingest refused documents under load");
                posted += docs.size();
                next += tickNanos;
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            int accepted = ledger.acceptedSplit.size() - before;
            System.out.printf(
                    "load drill: posted %d documents in %.1f s (%.1f docs/s offered at %d/s), accepted %d (%.1f docs/s)%n",
                    posted, seconds, posted / seconds, LOAD_RATE, accepted, accepted / seconds);

            long drainStart = System.nanoTime();
            awaitAllOnTopics(Duration.ofMinutes(2));
            System.out.printf(
                    "load drill: every accepted document on %s/%s %.1f s after the last post%n",
                    Document.TOPIC, Document.HELDOUT_TOPIC, (System.nanoTime() - drainStart) / 1e9);

            long deadline = System.nanoTime() + SETTLE.toNanos();
            long mixerLag;
            long trainerLag;
            do {
                mixerLag = TopicReader.lag(admin, "mixer", Document.TOPIC);
                trainerLag = TopicReader.unreadRecords(
                        admin, stack.kafka().bootstrapServers(), "trainer", TrainingBatch.TOPIC);
                maxMixerLag = Math.max(maxMixerLag, mixerLag);
                maxTrainerLag = Math.max(maxTrainerLag, trainerLag);
                System.out.printf(
                        "load drill: +%.0f s lag mixer(%s)=%d trainer(%s)=%d%n",
                        (System.nanoTime() - drainStart) / 1e9,
                        Document.TOPIC,
                        mixerLag,
                        TrainingBatch.TOPIC,
                        trainerLag);
                if (mixerLag == 0 && trainerLag == 0) {
                    break;
                }
                Thread.sleep(2000);
            } while (System.nanoTime() < deadline);
            System.out.printf(
                    "load drill: lag back to zero %.1f s after the last post (peak seen: mixer %d, trainer %d)%n",
                    (System.nanoTime() - drainStart) / 1e9, maxMixerLag, maxTrainerLag);
            assertEquals(0, mixerLag, "the mixer did not catch up with " + Document.TOPIC + " within " + SETTLE);
            assertEquals(
                    0, trainerLag, "the trainer did not catch up with " + TrainingBatch.TOPIC + " within " + SETTLE);
        }
    }

    /** SIGKILL and restart the trainer, the mixer, eval and the broker, each while documents are in flight. */
    @Test
    @Order(2)
    void killedServicesAndBrokerLoseNoDocumentAndTrainNoBatchTwice() throws Exception {
        Path journal = dataDir.resolve("checkpoints").resolve(RUN).resolve(TrainedBatch.JOURNAL_FILE);

        // Trainer: killed between checkpoints while batches of a fresh wave wait on the topic; more arrive while it is
        // down.
        int trained = journalBatchIds(journal).size();
        post(Workload.arithmetic("trainer-drill", 40, ++seed));
        awaitTrue(
                () -> journalBatchIds(journal).size() > trained && untrainedBatches(journal) > 0,
                "the trainer to be in the middle of the new wave",
                Duration.ofMillis(20));
        long pendingAtKill = untrainedBatches(journal);
        stack.service(Service.TRAINER).kill();
        System.out.printf(
                "fault drills: trainer killed with %d batches of the wave trained and %d waiting%n",
                journalBatchIds(journal).size() - trained, pendingAtKill);
        post(Workload.units("while-trainer-down", 5, ++seed));
        stack.service(Service.TRAINER).restart(RESTART);

        // Mixer: killed right after a wave reached cpt.documents, with documents buffered and not yet acknowledged.
        post(Workload.units("mixer-drill", 12, ++seed));
        long mixerLagAtKill;
        try (Admin admin = stack.kafka().admin()) {
            mixerLagAtKill = TopicReader.lag(admin, "mixer", Document.TOPIC);
        }
        stack.service(Service.MIXER).kill();
        System.out.printf("fault drills: mixer killed with %d documents not yet acknowledged%n", mixerLagAtKill);
        post(Workload.units("while-mixer-down", 5, ++seed));
        stack.service(Service.MIXER).restart(RESTART);

        // Eval: killed as soon as a new checkpoint is published, i.e. while it loads or scores it.
        long checkpoints = countRecords(CheckpointEvent.TOPIC);
        post(Workload.arithmetic("eval-drill", 8, ++seed));
        awaitTrue(() -> countRecords(CheckpointEvent.TOPIC) > checkpoints, "a new checkpoint", Duration.ofMillis(100));
        int unevaluatedAtKill = unevaluatedCheckpoints().size();
        stack.service(Service.EVAL).kill();
        System.out.printf("fault drills: eval killed with %d checkpoints not yet reported%n", unevaluatedAtKill);
        stack.service(Service.EVAL).restart(RESTART);

        // Broker: killed with documents in flight through mixer and trainer; ingest retries (503) until it is back.
        post(Workload.arithmetic("broker-drill", 8, ++seed));
        Thread.sleep(1000);
        stack.kafka().kill();
        Thread.sleep(3000);
        stack.kafka().restart();
        Workload.postUntilTaken(stack, Workload.units("after-broker", 5, ++seed), ledger, Duration.ofMinutes(2));

        // Deduplicated and rejected: an exact copy under a new id, and a document of control characters only.
        List<RawDocument> original = Workload.units("dup-source", 1, ++seed);
        post(original);
        post(List.of(new RawDocument("dup-copy", "units", original.get(0).text(), "e2e")));
        assertTrue(ledger.duplicates.containsKey("dup-copy"), "the copy was not reported as a duplicate: " + ledger);
        int rejectedBefore = ledger.rejections.size();
        post(List.of(new RawDocument(
                "rejected-binary", "units", "\u0001\u0002\u0003\u0000\u0000\u0000\u0004\u0005\u0006\u0007", "e2e")));
        assertEquals(rejectedBefore + 1, ledger.rejections.size(), "a binary document must be rejected: " + ledger);

        Accounting a = awaitAccounted();
        System.out.println(
                "fault drills: " + ledger + "; " + a.trainedBatches + " batches trained, "
                        + a.documentsTrainedMoreThanOnce.size() + " documents in two batches that are not consecutive"
                        + " (re-packed after the mixer's crash, which re-reads unacknowledged documents, or split across interleaved domains)");

        // No batch trained twice: batch ids and topic offsets in the journal are unique, and all exist on the topic.
        List<String> ids = journalBatchIds(journal);
        assertEquals(ids.size(), new HashSet<>(ids).size(), "a batch was trained twice: " + ids);
        List<String> offsets = journalOffsets(journal);
        assertEquals(
                offsets.size(),
                new HashSet<>(offsets).size(),
                "an offset of cpt.batches was trained twice: " + offsets);
        assertTrue(a.batchDocuments.keySet().containsAll(ids), "the journal names batches that are not on the topic");
        // Duplicates are reported, never stored.
        Set<String> stored = new HashSet<>(a.onDocuments);
        stored.addAll(a.onHeldout);
        for (String dup : ledger.duplicates.keySet()) {
            assertFalse(stored.contains(dup), "duplicate " + dup + " was stored");
        }
        // Rejected with a reason: in the HTTP answer and on ingest's dead-letter topic with the reason header.
        for (String r : ledger.rejections) {
            assertFalse(r.startsWith(":"), "a rejection without a reason: " + r);
        }
        var deadLetters = TopicReader.readAll(stack.kafka().bootstrapServers(), DeadLetters.INGEST);
        assertTrue(
                deadLetters.size() >= ledger.rejections.size(),
                deadLetters.size() + " dead letters for " + ledger.rejections.size() + " rejections");
        for (var d : deadLetters) {
            var reason = d.headers().lastHeader(DeadLetters.REASON_HEADER);
            assertTrue(
                    reason != null && reason.value().length > 0,
                    "a dead letter without a reason header at offset " + d.offset());
        }
        // A crash made no valid message look bad: nothing went to the mixer's or trainer's dead-letter topic.
        assertEquals(0, countRecords(DeadLetters.MIXER), "documents dead-lettered by the mixer during the drills");
        assertEquals(0, countRecords(DeadLetters.TRAINER), "batches dead-lettered by the trainer during the drills");

        // Every checkpoint of the run has an eval report, even the one eval was killed on.
        awaitTrue(() -> unevaluatedCheckpoints().isEmpty(), "eval reports for every checkpoint", Duration.ofSeconds(1));
    }

    /**
     * A checkpoint event whose URI climbs out of the store root is refused by eval with the reason, and nothing is
     * read.
     */
    @Test
    @Order(3)
    void aCheckpointUriOutsideTheStoreRootIsRefused() throws Exception {
        Path root = dataDir.resolve("checkpoints").toRealPath();
        String traversal = root.toUri() + RUN + "/../../../../etc";
        // A genuine event of the run with its URI and run id changed: the attack arrives in a well-formed message.
        var genuine = TopicReader.readAll(stack.kafka().bootstrapServers(), CheckpointEvent.TOPIC)
                .get(0)
                .value();
        var forged = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(genuine);
        forged.put("runId", "intruder").put("uri", traversal);
        kafka.produceStrings()
                .fromRecords(new ProducerRecord<>(CheckpointEvent.TOPIC, "intruder", forged.toString()))
                .awaitCompletion(Duration.ofSeconds(30));
        EvalReport report = Json.read(
                AwaitRecord.first(kafka, r -> r.value().contains("\"intruder\""), SETTLE, EvalReport.TOPIC)
                        .value(),
                EvalReport.class);
        assertTrue(
                report.error() != null && report.error().contains("outside the store root"),
                "report: " + Json.write(report));
        assertTrue(report.domains().isEmpty(), "a refused checkpoint must not be scored");
    }

    // ---------------------------------------------------------------------------------------------------------

    private record Accounting(
            Map<String, List<String>> batchDocuments,
            Set<String> onDocuments,
            Set<String> onHeldout,
            Set<String> trainedDocuments,
            Set<String> documentsTrainedMoreThanOnce,
            int trainedBatches,
            Set<String> missingTrain,
            Set<String> missingHeldout) {}

    private static Accounting account() throws Exception {
        Path journal = dataDir.resolve("checkpoints").resolve(RUN).resolve(TrainedBatch.JOURNAL_FILE);
        Map<String, List<String>> batchDocuments = new HashMap<>();
        for (var r : TopicReader.readAll(stack.kafka().bootstrapServers(), TrainingBatch.TOPIC)) {
            TrainingBatch b = Json.read(r.value(), TrainingBatch.class);
            batchDocuments.put(
                    b.batchId(),
                    b.sequences().stream()
                            .flatMap(s -> s.documentIds().stream())
                            .distinct()
                            .toList());
        }
        Set<String> trainedDocuments = new HashSet<>();
        Set<String> twice = new TreeSet<>();
        List<String> batches = journalBatchIds(journal);
        Set<String> seenInEarlierBatch = new HashSet<>();
        for (String batch : batches) {
            for (String doc : batchDocuments.getOrDefault(batch, List.of())) {
                trainedDocuments.add(doc);
                if (seenInEarlierBatch.contains(doc) && !inPreviousBatch(batchDocuments, batches, doc, batch)) {
                    twice.add(doc);
                }
            }
            seenInEarlierBatch.addAll(batchDocuments.getOrDefault(batch, List.of()));
        }
        Set<String> onDocuments = ids(Document.TOPIC);
        Set<String> onHeldout = ids(Document.HELDOUT_TOPIC);
        Set<String> missingTrain = new TreeSet<>(ledger.accepted("TRAIN"));
        missingTrain.removeAll(trainedDocuments);
        Set<String> missingHeldout = new TreeSet<>(ledger.accepted("HELDOUT"));
        missingHeldout.removeAll(onHeldout);
        return new Accounting(
                batchDocuments,
                onDocuments,
                onHeldout,
                trainedDocuments,
                twice,
                batches.size(),
                missingTrain,
                missingHeldout);
    }

    /**
     * A long document spans consecutive batches (the mixer packs it to the context length), so appearing in two
     * adjacent batches is packing, not re-training; only a document that re-appears after a gap was packed again.
     */
    private static boolean inPreviousBatch(
            Map<String, List<String>> batchDocuments, List<String> batches, String doc, String batch) {
        int i = batches.indexOf(batch);
        return i > 0
                && batchDocuments.getOrDefault(batches.get(i - 1), List.of()).contains(doc);
    }

    private static Accounting awaitAccounted() throws Exception {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        Accounting a = account();
        while ((!a.missingTrain.isEmpty() || !a.missingHeldout.isEmpty()) && System.nanoTime() < deadline) {
            Thread.sleep(3000);
            a = account();
        }
        assertTrue(
                a.missingTrain.isEmpty(),
                a.missingTrain.size() + " accepted training documents were never trained on: " + a.missingTrain + " ("
                        + ledger + ")");
        assertTrue(
                a.missingHeldout.isEmpty(),
                a.missingHeldout.size() + " accepted held-out documents are not on " + Document.HELDOUT_TOPIC + ": "
                        + a.missingHeldout);
        return a;
    }

    private static void awaitAllOnTopics(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> missing;
        do {
            Set<String> present = ids(Document.TOPIC);
            present.addAll(ids(Document.HELDOUT_TOPIC));
            missing = new TreeSet<>(ledger.acceptedSplit.keySet());
            missing.removeAll(present);
            if (missing.isEmpty()) {
                return;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(missing.size() + " accepted documents never reached a topic: " + missing);
    }

    private static Set<String> unevaluatedCheckpoints() {
        Set<String> pending = new TreeSet<>();
        for (var r : TopicReader.readAll(stack.kafka().bootstrapServers(), CheckpointEvent.TOPIC)) {
            CheckpointEvent e = Json.read(r.value(), CheckpointEvent.class);
            if (e.runId().equals(RUN)) {
                pending.add(e.sha256());
            }
        }
        for (var r : TopicReader.readAll(stack.kafka().bootstrapServers(), EvalReport.TOPIC)) {
            pending.remove(Json.read(r.value(), EvalReport.class).checkpointSha256());
        }
        return pending;
    }

    private static void post(List<RawDocument> docs) throws Exception {
        int status = Workload.post(stack, docs, ledger, null);
        assertTrue(status == 202 || status == 400, "ingest answered " + status);
    }

    private static Set<String> ids(String topic) {
        Set<String> ids = new HashSet<>();
        for (var r : TopicReader.readAll(stack.kafka().bootstrapServers(), topic)) {
            ids.add(Json.read(r.value(), Document.class).id());
        }
        return ids;
    }

    private static long countRecords(String topic) {
        return TopicReader.readAll(stack.kafka().bootstrapServers(), topic).size();
    }

    private static List<String> journalBatchIds(Path journal) {
        return journalLines(journal).stream()
                .map(l -> Json.read(l, TrainedBatch.class).batchId())
                .toList();
    }

    private static List<String> journalOffsets(Path journal) {
        return journalLines(journal).stream()
                .map(l -> Json.read(l, TrainedBatch.class))
                .map(b -> b.topic() + "-" + b.partition() + "@" + b.offset())
                .toList();
    }

    /** The complete lines; one the trainer is still writing has no newline yet and is left out. */
    private static List<String> journalLines(Path journal) {
        try {
            if (!Files.exists(journal)) {
                return List.of();
            }
            String content = Files.readString(journal);
            return content.substring(0, content.lastIndexOf('\n') + 1)
                    .lines()
                    .filter(l -> !l.isBlank())
                    .toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void awaitTrue(Supplier<Boolean> condition, String what, Duration poll) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + SETTLE + " waiting for " + what);
            }
            Thread.sleep(poll.toMillis());
        }
    }

    /** Batches on cpt.batches (one partition) after the last one the trainer's journal records. */
    private static long untrainedBatches(Path journal) {
        List<String> lines = journalLines(journal);
        long next = lines.isEmpty()
                ? 0
                : Json.read(lines.get(lines.size() - 1), TrainedBatch.class).offset() + 1;
        // Records, not offsets: cpt.batches is written in transactions, so its last offset is a commit marker.
        return TopicReader.recordsFrom(
                stack.kafka().bootstrapServers(),
                Map.of(new org.apache.kafka.common.TopicPartition(TrainingBatch.TOPIC, 0), next));
    }
}

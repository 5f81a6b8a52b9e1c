package dev.cpt.eval;

import static dev.cpt.contracts.EvalReport.TOPIC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.DomainScore;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.EvalReport.HeldoutSetInfo;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.Topics;
import dev.cpt.kafka.EmbeddedKafka;
import dev.cpt.kafka.clients.KafkaClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report history on a real broker (its own, since records are deleted from {@code cpt.eval.reports}) and real
 * files: a restart reads only what came after the snapshot, and the snapshot keeps what the topic lost.
 */
class ReportHistoryTest {
    private static final int RUNS = 20;
    private static final int STEPS = 100;
    private static final Duration CATCH_UP = Duration.ofSeconds(120);

    private static EmbeddedKafka broker;
    private static KafkaClients kafka;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedKafka.start(Files.createTempDirectory("cpt-eval-history-kafka"), 0);
        broker.createTopics(Topics.ALL);
        kafka = KafkaClients.of(Map.of("bootstrap.servers", broker.bootstrapServers()), "eval-history-test");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.stop();
            try (var files = Files.walk(broker.dataDir())) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void restartReadsOnlyWhatFollowsTheSnapshotAndKeepsWhatRetentionDeleted(@TempDir Path stateDir, @TempDir Path empty)
            throws Exception {
        Map<String, NavigableMap<Long, EvalReport>> expected = new TreeMap<>();
        List<EvalReport> history = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            for (int run = 0; run < RUNS; run++) {
                history.add(report("run-" + run, step, 0));
            }
        }
        // The same checkpoint scored twice: the later report replaces the earlier one.
        history.add(report("run-3", 7, 1));
        publish(history, expected);

        Map<String, EvalReport> shownFirst = new ConcurrentHashMap<>();
        try (ReportHistory first = new ReportHistory(kafka, stateDir, 50, r -> shownFirst.put(r.runId(), r)).start()) {
            assertTrue(first.awaitCaughtUp(CATCH_UP), first.lag());
            assertEquals(history.size(), first.readFromTopic());
            assertEquals(0, first.missedOffsets());
            assertEquals(latest(expected, Set.of(), Long.MAX_VALUE), shownFirst);
            awaitFile(stateDir.resolve(EvalStateFiles.STATE_FILE));
        }
        long deleted = deleteAllRecords();
        assertEquals(history.size(), deleted);

        List<EvalReport> more = new ArrayList<>();
        for (int run = 0; run < 3; run++) {
            for (int step = STEPS; step < STEPS + 10; step++) {
                more.add(report("run-" + run, step, 0));
            }
        }
        more.add(report("run-new", 0, 0));
        publish(more, expected);

        Map<String, EvalReport> shown = new ConcurrentHashMap<>();
        try (ReportHistory second = new ReportHistory(kafka, stateDir, 50, r -> shown.put(r.runId(), r))) {
            // Before reading the topic at all: the gauges show every saved run's latest report, from the state file.
            assertEquals(RUNS, shown.size());
            assertEquals(latest(expected, Set.of("run-new"), STEPS - 1), shown);
            assertEquals(Set.of(), second.loadedRuns());

            second.start();
            assertTrue(second.awaitCaughtUp(CATCH_UP), second.lag());
            // (a) Only the records after the snapshot were read from the topic.
            assertEquals(more.size(), second.readFromTopic());
            assertEquals(0, second.missedOffsets());
            // Only the runs that got new reports were read from their files.
            assertEquals(Set.of("run-0", "run-1", "run-2", "run-new"), second.loadedRuns());
            // (b) Every run's whole history, including the reports deleted from the topic.
            expected.forEach(
                    (run, steps) -> assertEquals(List.copyOf(steps.values()), second.before(run, Long.MAX_VALUE), run));
            // (c) Each run's latest report is shown.
            Map<String, EvalReport> latest = latest(expected, Set.of(), Long.MAX_VALUE);
            assertEquals(latest, shown);
            assertEquals(latest, second.latest());
        }

        // A worker without a snapshot on a topic that lost its beginning: it says so and keeps what is left.
        try (ReportHistory fresh = new ReportHistory(kafka, empty, 50, r -> {}).start()) {
            assertTrue(fresh.awaitCaughtUp(CATCH_UP), fresh.lag());
            assertEquals(deleted, fresh.missedOffsets());
            assertEquals(more.size(), fresh.readFromTopic());
            assertEquals(List.of(), fresh.before("run-5", Long.MAX_VALUE));
            assertEquals(10, fresh.before("run-0", Long.MAX_VALUE).size());
        }

        // The topic deleted and created again: the snapshot's offsets lie past its ends, so it describes another
        // topic; its reports must not mix with the new one's.
        recreateTopic();
        Map<String, NavigableMap<Long, EvalReport>> anew = new TreeMap<>();
        publish(List.of(report("run-0", 0, 2), report("run-0", 1, 2)), anew);
        try (ReportHistory restarted = new ReportHistory(kafka, stateDir, 50, r -> {}).start()) {
            assertTrue(restarted.awaitCaughtUp(CATCH_UP), restarted.lag());
            assertEquals(List.copyOf(anew.get("run-0").values()), restarted.before("run-0", Long.MAX_VALUE));
            assertEquals(List.of(), restarted.before("run-5", Long.MAX_VALUE));
            assertEquals(Set.of("run-0"), restarted.latest().keySet());
        }
    }

    @Test
    void runIdsBecomeSafeDistinctFileNames() {
        assertEquals("run-2026-12-04_a", EvalStateFiles.fileName("run-2026-12-04_a"));
        assertEquals("%2E%2E%2Fetc", EvalStateFiles.fileName("../etc"));
        assertEquals("%52un", EvalStateFiles.fileName("Run"));
        assertTrue(EvalStateFiles.fileName("x".repeat(300)).startsWith("sha256-"));
    }

    /** A report as eval writes one, distinct per run, step and {@code version}. */
    private static EvalReport report(String run, long step, int version) {
        double loss = 3.0 - step * 0.01 + version * 0.5 + run.hashCode() % 7 * 0.001;
        return new EvalReport(
                run,
                step,
                "sha-" + run + "-" + step,
                Map.of("geology", new DomainScore(loss, Math.exp(loss), 4096)),
                "set-sha",
                null,
                Instant.parse("2026-12-04T00:00:00Z").plusSeconds(step).plusMillis(version),
                "file:///store/" + run + "/step-" + step,
                Map.of("geology", 1000 * step),
                Map.of("geology", new HeldoutSetInfo("geology-sha", 64, true)),
                null,
                null,
                Map.of());
    }

    private static void publish(List<EvalReport> reports, Map<String, NavigableMap<Long, EvalReport>> expected) {
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers(), "acks", "all"),
                new StringSerializer(),
                new StringSerializer())) {
            for (EvalReport r : reports) {
                producer.send(new ProducerRecord<>(TOPIC, r.runId(), Json.write(r)));
                expected.computeIfAbsent(r.runId(), k -> new TreeMap<>()).put(r.step(), r);
            }
            producer.flush();
        }
    }

    /** Retention, simulated: every record now on the topic is deleted. Returns how many offsets went. */
    private static long deleteAllRecords() throws Exception {
        try (Admin admin = broker.admin()) {
            int partitions = admin.describeTopics(List.of(TOPIC))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get(TOPIC)
                    .partitions()
                    .size();
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                request.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
            }
            Map<TopicPartition, Long> ends =
                    admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).entrySet().stream()
                            .collect(Collectors.toMap(
                                    Map.Entry::getKey, e -> e.getValue().offset()));
            admin.deleteRecords(ends.entrySet().stream()
                            .collect(Collectors.toMap(
                                    Map.Entry::getKey, e -> RecordsToDelete.beforeOffset(e.getValue()))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            return ends.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static void recreateTopic() throws Exception {
        try (Admin admin = broker.admin()) {
            admin.deleteTopics(List.of(TOPIC)).all().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + CATCH_UP.toNanos();
            while (admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(TOPIC)) {
                assertTrue(System.nanoTime() < deadline, TOPIC + " not deleted");
                Thread.sleep(100);
            }
        }
        broker.createTopics(Topics.ALL);
    }

    /** Each run's report at its highest step not above {@code maxStep}, runs in {@code except} left out. */
    private static Map<String, EvalReport> latest(
            Map<String, NavigableMap<Long, EvalReport>> expected, Set<String> except, long maxStep) {
        Map<String, EvalReport> latest = new HashMap<>();
        expected.forEach((run, steps) -> {
            if (!except.contains(run)) {
                latest.put(run, steps.floorEntry(maxStep).getValue());
            }
        });
        return latest;
    }

    private static void awaitFile(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (!Files.exists(file) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(file), file + " was never written");
    }
}

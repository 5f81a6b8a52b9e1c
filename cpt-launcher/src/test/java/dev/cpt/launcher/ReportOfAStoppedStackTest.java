package dev.cpt.launcher;

import static dev.cpt.launcher.MainTest.cpt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.DomainScore;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.MixtureWeights;
import dev.cpt.contracts.Topics;
import dev.cpt.kafka.EmbeddedKafka;
import dev.cpt.kafka.clients.KafkaClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cpt report} on a stack that has stopped: the broker log it left in its data directory is read by a broker
 * started on it for the purpose, and stopped again. A real broker, records the loop's services would write.
 */
class ReportOfAStoppedStackTest {
    @TempDir
    Path dataDir;

    @Test
    void theReportOfAStoppedStackIsReadFromItsBrokerLog() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir.resolve("kafka"), 0)) {
            kafka.createTopics(Topics.ALL);
            KafkaClients clients = KafkaClients.of(Map.of("bootstrap.servers", kafka.bootstrapServers()), "test");
            try (KafkaProducer<String, String> producer =
                    clients.producer("test", new StringSerializer(), new StringSerializer(), Map.of())) {
                for (long step = 1; step <= 3; step++) {
                    Map<String, Long> tokens = Map.of("general", 100 * step, "python", 50 * step);
                    producer.send(new ProducerRecord<>(
                            CheckpointEvent.TOPIC,
                            "main",
                            Json.write(new CheckpointEvent(
                                    "main",
                                    step,
                                    "file:///ckpt/" + step,
                                    "a".repeat(64),
                                    150 * step,
                                    tokens,
                                    List.of(),
                                    Instant.now()))));
                    producer.send(new ProducerRecord<>(
                            EvalReport.TOPIC,
                            "main",
                            Json.write(new EvalReport(
                                    "main",
                                    step,
                                    "a".repeat(64),
                                    Map.of(
                                            "general",
                                            new DomainScore(3.0 - step / 10.0, 1, 10),
                                            "python",
                                            new DomainScore(4.0 - step / 5.0, 1, 10)),
                                    "b".repeat(64),
                                    null,
                                    Instant.now(),
                                    "file:///ckpt/" + step,
                                    tokens,
                                    null,
                                    null,
                                    null,
                                    null))));
                    producer.send(new ProducerRecord<>(
                            MixtureWeights.TOPIC,
                            null,
                            Json.write(new MixtureWeights(
                                    step, "uniform", Map.of("general", 0.5, "python", 0.5), Instant.now()))));
                }
                // a GRPO branch with fewer checkpoints: not the main run
                producer.send(new ProducerRecord<>(
                        CheckpointEvent.TOPIC,
                        "main-grpo",
                        Json.write(new CheckpointEvent(
                                "main-grpo",
                                1,
                                "file:///grpo/1",
                                "c".repeat(64),
                                10,
                                Map.of(),
                                List.of(),
                                Instant.now()))));
            }
        }

        Path page = dataDir.resolve("out/report.html");
        MainTest.Run run = cpt("report", "--data-dir", dataDir.toString(), "--out", page.toString());

        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("Report on run main (3 checkpoints, 3 eval reports, 3 mixer rounds)"), run.out());
        String html = Files.readString(page);
        assertTrue(html.contains("Continual pre-training: main"), html);
        assertTrue(html.contains("Last eval, step 3: held-out loss general 2.700, python 3.400"), html);
        assertTrue(html.contains("<svg"), "the figures are drawn");

        MainTest.Run unknown = cpt("report", "--data-dir", dataDir.toString(), "--run", "nosuch");
        assertEquals(2, unknown.status(), unknown.err());
        assertTrue(
                unknown.err().contains("--run nosuch has no checkpoint and no eval report; runs: main, main-grpo"),
                unknown.err());
    }
}

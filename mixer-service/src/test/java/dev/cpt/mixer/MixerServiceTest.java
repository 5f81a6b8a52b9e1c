package dev.cpt.mixer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.MixtureWeights;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.kafka.test.AwaitRecord;
import dev.cpt.kafka.test.EmbeddedKafkaResource;
import dev.cpt.kafka.test.ServiceEndpointsTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** Runs with context length 16 and batches of 2 sequences (the test profile). */
@QuarkusTest
@WithTestResource(EmbeddedKafkaResource.class)
class MixerServiceTest extends ServiceEndpointsTest {
    private final KafkaCompanion kafka = new KafkaCompanion(EmbeddedKafkaResource.broker().bootstrapServers());

    private static Document document(String id, String domain, int tokens) {
        return new Document(id, domain, "x".repeat(tokens), "bytes", IntStream.range(0, tokens).map(i -> 'x').toArray(),
                "test", Instant.now());
    }

    private void send(String key, String value) {
        kafka.produceStrings().fromRecords(new ProducerRecord<>(Document.TOPIC, key, value)).awaitCompletion(Duration.ofSeconds(30));
    }

    @Test
    void documentsBecomeAPackedBatchAndItsWeightsArePublished() {
        send("geology", Json.write(document("geo-1", "geology", 40)));

        var record = AwaitRecord.first(kafka, r -> r.value().contains("geo-1"), Duration.ofSeconds(60), TrainingBatch.TOPIC);
        TrainingBatch batch = Json.read(record.value(), TrainingBatch.class);
        assertEquals(16, batch.contextLength());
        assertEquals(2, batch.sequences().size());
        assertTrue(batch.sequences().stream().allMatch(s -> s.tokens().length == 17 && s.domain().equals("geology")));
        assertEquals(1.0, batch.weights().get("geology"), 1e-12);

        var weights = AwaitRecord.first(kafka, r -> Json.read(r.value(), MixtureWeights.class).round() == batch.round(),
                Duration.ofSeconds(30), MixtureWeights.TOPIC);
        assertEquals("uniform", Json.read(weights.value(), MixtureWeights.class).policy());
    }

    @Test
    void aLoneShortDocumentIsFlushedAfterAQuietSecond() {
        send("botany", Json.write(document("bot-1", "botany", 5)));

        var record = AwaitRecord.first(kafka, r -> r.value().contains("bot-1"), Duration.ofSeconds(60), TrainingBatch.TOPIC);
        TrainingBatch batch = Json.read(record.value(), TrainingBatch.class);
        assertEquals(5, batch.tokenCount());
    }

    @Test
    void aPoisonDocumentGoesToTheDeadLetterTopicAndTheNextOneIsMixed() {
        kafka.produceStrings().fromRecords(List.of(
                new ProducerRecord<>(Document.TOPIC, 2, "zoology", "{\"id\":\"poison\"}"),
                new ProducerRecord<>(Document.TOPIC, 2, "zoology", Json.write(document("zoo-after", "zoology", 3)))))
                .awaitCompletion(Duration.ofSeconds(30));

        var dead = AwaitRecord.first(kafka, r -> r.value().contains("poison"), Duration.ofSeconds(60), DeadLetters.MIXER);
        String reason = new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8);
        assertTrue(reason.contains("domain is missing"), reason);
        AwaitRecord.first(kafka, r -> r.value().contains("zoo-after"), Duration.ofSeconds(60), TrainingBatch.TOPIC);
    }

    @Override
    protected void exerciseService() {
        send("metrics", Json.write(document("met-1", "metrics", 34)));
        AwaitRecord.first(kafka, r -> r.value().contains("met-1"), Duration.ofSeconds(60), TrainingBatch.TOPIC);
    }

    @Override
    protected List<String> expectedMeters() {
        return List.of("cpt_mixer_documents_total{domain=\"metrics\"", "cpt_mixer_rounds_total{policy=\"uniform\"",
                "cpt_mixer_batches_total", "cpt_mixer_weight{", "cpt_mixer_buffered_tokens{domain=\"metrics\"");
    }
}

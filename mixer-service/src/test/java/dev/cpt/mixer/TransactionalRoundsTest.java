package dev.cpt.mixer;

import static dev.cpt.mixing.rounds.TestTokens.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.common.tokenizer.TokenizerIdentity;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.MixtureWeights;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.Topics;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.kafka.EmbeddedKafka;
import dev.cpt.kafka.clients.KafkaClients;
import dev.cpt.mixing.TemperaturePolicy;
import dev.cpt.mixing.rounds.BatchMixer;
import dev.cpt.mixing.rounds.DomainBuffer;
import dev.cpt.mixing.rounds.MixerLedger;
import dev.cpt.mixing.rounds.ReplayReservoir;
import dev.cpt.mixing.rounds.RoundMessages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mixer dies between two batches of a round, on a real broker (its own, so that no other test's rounds mix in):
 * after the restarted mixer resumes, a {@code read_committed} reader (the trainer) sees every round whole and once.
 */
class TransactionalRoundsTest {
    private static EmbeddedKafka broker;
    private static KafkaClients clients;

    @TempDir
    Path state;

    /** What a process death looks like to the broker: the producer stops mid-transaction and never speaks again. */
    private static final class Crash extends Error {}

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedKafka.start(Files.createTempDirectory("mixer-txn-kafka"), 0);
        broker.createTopics(Topics.ALL);
        clients = KafkaClients.of(Map.of("bootstrap.servers", broker.bootstrapServers()), "mixer-test");
    }

    @AfterAll
    static void stopBroker() {
        broker.stop();
    }

    /**
     * A mixer as the service runs it: buffers and ledger in the state directory, rounds of 3 batches of 2 sequences.
     */
    private BatchMixer mixer() {
        var shape = new BatchMixer.Shape(3, 2, 3, DomainBuffer.NO_SEPARATOR);
        return new BatchMixer(
                shape,
                TemperaturePolicy.uniform(),
                new ReplayReservoir(state.resolve("reservoir"), 50, 1000, 1),
                new MixerLedger(state.resolve("ledger.json"), 16),
                1);
    }

    private CompletedDocuments completedDocuments() {
        return new CompletedDocuments(state.resolve("completed-documents.jsonl"), 100);
    }

    /**
     * The service's order: note the completed documents, publish in one transaction, count the round as trained,
     * acknowledge.
     */
    private static void emitAll(
            BatchMixer mixer, RoundPublisher publisher, CompletedDocuments completed, Set<String> acked) {
        for (Optional<BatchMixer.Round> r = mixer.nextFullRound(); r.isPresent(); r = mixer.nextFullRound()) {
            RoundMessages m = RoundMessages.of(r.get(), 3, TokenizerIdentity.BYTE_FINGERPRINT, Instant.now());
            completed.recording(
                    r.get().round(),
                    r.get().completed().stream()
                            .map(DomainBuffer.BufferedDocument::id)
                            .toList());
            publisher.publish(m.batches(), m.weights());
            mixer.committed(r.get());
            r.get().completed().forEach(d -> acked.add(d.id()));
        }
    }

    private static List<ConsumerRecord<String, String>> readAll(String topic, String isolation) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        try (var consumer = new KafkaConsumer<String, String>(p)) {
            var tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    @Test
    void aCrashBetweenBatchesLeavesNoHalfRoundAndNoRoundTwice() {
        String id = "mixer-crash-test";
        // Eight documents of 8 tokens: 16 sequences of 4, so rounds 0 and 1 are full rounds of 6 and 4 are left.
        List<String> documents = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            documents.add("doc-" + i);
        }
        Set<String> acked = new HashSet<>();

        // First life: round 0 commits; round 1 dies after its second batch reached the broker.
        var first = mixer();
        var firstCompleted = completedDocuments();
        firstCompleted.resume(-1);
        var crashAfterSecondBatch = new AtomicBoolean();
        var publisher = RoundPublisher.open(clients, id, (KafkaProducer<String, String> producer, int sent) -> {
            if (crashAfterSecondBatch.get() && sent == 2) {
                producer.flush(); // the two batches are on the broker, inside the open transaction
                throw new Crash();
            }
        });
        documents.subList(0, 3).forEach(d -> first.add("law", d, tokens(documents.indexOf(d) * 8, 8), () -> {}));
        emitAll(first, publisher, firstCompleted, acked);
        assertEquals(Set.of("doc-0", "doc-1", "doc-2"), acked);

        crashAfterSecondBatch.set(true);
        documents.subList(3, 8).forEach(d -> first.add("law", d, tokens(documents.indexOf(d) * 8, 8), () -> {}));
        assertThrows(Crash.class, () -> emitAll(first, publisher, firstCompleted, acked));
        assertEquals(3, acked.size(), "nothing of the dead round was acknowledged");

        // Second life: same state directory, same transactional id. No consumer offset was committed, so the broker
        // redelivers all eight documents; those a committed round trained are recognised and skipped.
        var second = mixer();
        var secondCompleted = completedDocuments();
        try (var resumed = RoundPublisher.open(clients, id)) {
            long last = LastRound.read(clients).orElseThrow();
            second.ledger().continueAfter(last);
            secondCompleted.resume(last);
            documents.stream()
                    .filter(d -> !secondCompleted.trained(d))
                    .forEach(d -> second.add("law", d, tokens(documents.indexOf(d) * 8, 8), () -> {}));
            emitAll(second, resumed, secondCompleted, acked);
        }

        List<TrainingBatch> committed = readAll(TrainingBatch.TOPIC, "read_committed").stream()
                .map(r -> Json.read(r.value(), TrainingBatch.class))
                .toList();
        Map<Long, List<Integer>> batchesByRound = new TreeMap<>();
        committed.forEach(b -> batchesByRound
                .computeIfAbsent(b.round(), r -> new ArrayList<>())
                .add(b.batchIndex()));
        assertEquals(Map.of(0L, List.of(0, 1, 2), 1L, List.of(0, 1, 2)), batchesByRound);
        // Every token of the eight documents was trained exactly once, in order.
        List<Integer> trained = committed.stream()
                .flatMap(b -> b.sequences().stream())
                .flatMapToInt(s -> Arrays.stream(s.tokens()))
                .boxed()
                .toList();
        assertEquals(IntStream.range(0, 48).boxed().toList(), trained);
        assertTrue(committed.stream().flatMap(b -> b.sequences().stream()).noneMatch(PackedSequence::replay));

        List<Long> weightRounds = readAll(MixtureWeights.TOPIC, "read_committed").stream()
                .map(r -> Json.read(r.value(), MixtureWeights.class).round())
                .toList();
        assertEquals(List.of(0L, 1L), weightRounds);
        // The dead round's two batches are in the log all the same: only the transaction keeps them from the trainer.
        assertEquals(8, readAll(TrainingBatch.TOPIC, "read_uncommitted").size());
        assertEquals(1, LastRound.read(clients).orElseThrow());
        publisher.close();
    }
}

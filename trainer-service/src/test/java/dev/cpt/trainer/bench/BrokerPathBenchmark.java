package dev.cpt.trainer.bench;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.contracts.Topics;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.kafka.EmbeddedKafka;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.model.tokenizer.ByteTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Training tokens/s with batches read from a real broker (poll, JSON, train: the trainer's path) against the same
 * training on batches already in memory. Rounds alternate between the two paths; each round starts from the same
 * weights. Prints both medians and the ratio; the target is a broker path within 5% of in-process.
 *
 * <p>Arguments: {@code [batches per round] [rounds] [model: tiny|small1M|medium10M]}.
 */
public final class BrokerPathBenchmark {
    private static final String TOPIC = TrainingBatch.TOPIC;

    public static void main(String[] args) throws Exception {
        int batches = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        GptConfig model = switch (args.length > 2 ? args[2] : "small1M") {
            case "tiny" -> GptConfig.tiny();
            case "medium10M" -> GptConfig.medium10M();
            default -> GptConfig.small1M();
        };
        List<TrainingBatch> data = batches(batches, model.contextLength());
        long tokensPerRound = data.stream().mapToLong(TrainingBatch::tokenCount).sum();

        Path dir = Files.createTempDirectory("cpt-bench-kafka");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0)) {
            kafka.createTopics(Topics.ALL);
            produce(kafka, data);
            warmUp(model, data);
            List<Double> inProcess = new ArrayList<>();
            List<Double> broker = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                inProcess.add(tokensPerRound / inProcessSeconds(model, data));
                broker.add(tokensPerRound / brokerSeconds(model, kafka, batches));
                System.out.printf(
                        "round %d: in-process %.0f tokens/s, broker %.0f tokens/s%n",
                        r + 1, inProcess.get(r), broker.get(r));
            }
            double a = median(inProcess);
            double b = median(broker);
            System.out.printf(
                    "%nmodel %s (%d params), %d batches x %d rows x %d tokens per round, %d rounds%n",
                    args.length > 2 ? args[2] : "small1M",
                    parameters(model),
                    batches,
                    data.get(0).sequences().size(),
                    model.contextLength() + 1,
                    rounds);
            System.out.printf("in-process: %.0f tokens/s (median)%n", a);
            System.out.printf("broker:     %.0f tokens/s (median)%n", b);
            System.out.printf(
                    "broker / in-process = %.3f (cost of the broker path: %.1f%%; target under 5%%)%n",
                    b / a, 100 * (1 - b / a));
        }
    }

    private static List<TrainingBatch> batches(int n, int context) {
        Random rng = new Random(42);
        return IntStream.range(0, n)
                .mapToObj(b -> new TrainingBatch(
                        "bench-" + b,
                        b,
                        context,
                        IntStream.range(0, 8)
                                .mapToObj(r -> new PackedSequence(
                                        "bench",
                                        rng.ints(context + 1, 32, 127).toArray(),
                                        List.of("doc-" + b + "-" + r)))
                                .toList(),
                        Map.of("bench", 1.0),
                        Instant.now(),
                        ByteTokenizer.FINGERPRINT))
                .toList();
    }

    private static void produce(EmbeddedKafka kafka, List<TrainingBatch> data) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (var producer = new KafkaProducer<String, String>(p)) {
            for (TrainingBatch b : data) {
                producer.send(new ProducerRecord<>(TOPIC, b.batchId(), Json.write(b)))
                        .get();
            }
        }
    }

    private static void warmUp(GptConfig config, List<TrainingBatch> data) {
        try (LanguageModel m = LanguageModel.create(config, 1)) {
            for (int i = 0; i < Math.min(3, data.size()); i++) {
                m.trainStep(rows(data.get(i)), OptimizerSettings.defaults());
            }
        }
    }

    private static double inProcessSeconds(GptConfig config, List<TrainingBatch> data) {
        try (LanguageModel m = LanguageModel.create(config, 1)) {
            long start = System.nanoTime();
            for (TrainingBatch b : data) {
                m.trainStep(rows(b), OptimizerSettings.defaults());
            }
            return (System.nanoTime() - start) / 1e9;
        }
    }

    /** A fresh consumer group reads the topic from the start: poll, parse, train, as the trainer does. */
    private static double brokerSeconds(GptConfig config, EmbeddedKafka kafka, int batches) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "16");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (LanguageModel m = LanguageModel.create(config, 1);
                var consumer = new KafkaConsumer<String, String>(p)) {
            consumer.subscribe(List.of(TOPIC));
            // Joining the group is start-up, not throughput: wait for the assignment before the clock starts.
            while (consumer.assignment().isEmpty()) {
                consumer.poll(Duration.ofMillis(100));
            }
            consumer.seekToBeginning(consumer.assignment());
            int trained = 0;
            long start = System.nanoTime();
            while (trained < batches) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    m.trainStep(rows(Json.read(r.value(), TrainingBatch.class)), OptimizerSettings.defaults());
                    trained++;
                }
            }
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static int[][] rows(TrainingBatch b) {
        return b.sequences().stream().map(PackedSequence::tokens).toArray(int[][]::new);
    }

    private static long parameters(GptConfig config) {
        try (LanguageModel m = LanguageModel.create(config, 1)) {
            return m.parameterCount();
        }
    }

    private static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}

package dev.cpt.trainer.grpo;

import dev.cpt.contracts.DeadLetters;
import dev.cpt.contracts.GrpoSpec;
import dev.cpt.contracts.GrpoStatus;
import dev.cpt.contracts.GrpoTaskExample;
import dev.cpt.kafka.clients.KafkaClients;
import dev.cpt.kafka.clients.TopicsToEnd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The examples a GRPO stage trains and measures on, from the source its spec names: the user's JSONL file
 * ({@code tasksFile}), the user's topic ({@code tasksTopic}, {@value GrpoTaskExample#TOPIC} read from its beginning to
 * its end), or a demo task. The user's examples are split by {@link HeldOutSplit}; the demo's keep their seeded split.
 * Every example is put into the spec's prompt template.
 *
 * @param train the examples trained on
 * @param heldOut the examples measured on
 * @param counts what the stage's status shows of them
 * @param rejected the user's lines refused, for {@link #deadLetter}
 */
public record StageTasks(
        List<TaskExample> train,
        List<TaskExample> heldOut,
        GrpoStatus.Tasks counts,
        List<TaskLines.Rejected> rejected) {

    /** How long reading the task topic to its end may take; it holds examples, not a stream, so seconds suffice. */
    static final Duration TOPIC_READ_TIMEOUT = Duration.ofSeconds(30);

    /** The spec's examples (defaults filled in); the Kafka clients read the task topic. */
    public static StageTasks load(GrpoSpec spec, KafkaClients kafka) throws IOException {
        if (spec.tasksFile() != null) {
            return users(spec.tasksFile(), TaskLines.ofFile(Path.of(spec.tasksFile())), spec);
        }
        if (Boolean.TRUE.equals(spec.tasksTopic())) {
            return users(GrpoTaskExample.TOPIC, readTopic(kafka, GrpoTaskExample.TOPIC), spec);
        }
        // the demo keeps its seeded split: the first prompts examples are trained on, the next ones held out
        List<GrpoTaskExample> demo =
                DemoTasks.examples(spec.task(), spec.prompts() + spec.heldOutPrompts(), spec.seed());
        List<TaskExample> train = inTemplate(demo.subList(0, spec.prompts()), spec.promptTemplate());
        List<TaskExample> heldOut = inTemplate(demo.subList(spec.prompts(), demo.size()), spec.promptTemplate());
        return new StageTasks(
                train,
                heldOut,
                new GrpoStatus.Tasks(spec.task(), demo.size(), 0, train.size(), heldOut.size()),
                List.of());
    }

    /** The user's valid examples split and capped by the spec. */
    static StageTasks users(String source, TaskLines lines, GrpoSpec spec) {
        HeldOutSplit.Split split = new HeldOutSplit(spec.heldOutPercent())
                .split(lines.examples(), spec.prompts(), spec.heldOutPrompts(), spec.promptTemplate());
        var counts = new GrpoStatus.Tasks(
                source,
                lines.examples().size(),
                lines.rejected().size(),
                split.train().size(),
                split.heldOut().size());
        return new StageTasks(split.train(), split.heldOut(), counts, lines.rejected());
    }

    /** Itself when there is something to train on and to measure on; otherwise the reason a stage cannot run. */
    public StageTasks requireBothSides() {
        if (train.isEmpty() || heldOut.isEmpty()) {
            throw new IllegalStateException(String.format(
                    "%s: %d valid examples (%d refused, see %s), %d to train on and %d held out; a stage needs at"
                            + " least one of each (a larger source, or another heldOutPercent)",
                    counts.source(),
                    counts.loaded(),
                    counts.rejected(),
                    DeadLetters.TRAINER,
                    train.size(),
                    heldOut.size()));
        }
        return this;
    }

    /**
     * Writes each refused line to the trainer's dead-letter topic as it was, with the reason in {@value
     * DeadLetters#REASON_HEADER}, and waits until the broker has them.
     */
    public void deadLetter(KafkaClients kafka) throws InterruptedException {
        if (rejected.isEmpty()) {
            return;
        }
        try (KafkaProducer<String, String> producer = kafka.producer(
                "grpo-task-dead-letters",
                new StringSerializer(),
                new StringSerializer(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            List<Future<RecordMetadata>> sent = rejected.stream()
                    .map(r -> {
                        var dead = new ProducerRecord<>(DeadLetters.TRAINER, r.key(), r.line());
                        dead.headers().add(DeadLetters.REASON_HEADER, r.reason().getBytes(StandardCharsets.UTF_8));
                        return producer.send(dead);
                    })
                    .toList();
            for (Future<RecordMetadata> f : sent) {
                f.get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("refused task lines could not be dead-lettered: " + e.getMessage(), e);
        }
    }

    /** Every record of {@code topic}, from its beginning to the end it had when reading began. */
    static TaskLines readTopic(KafkaClients kafka, String topic) {
        TaskLines lines = new TaskLines();
        try (KafkaConsumer<String, String> consumer = kafka.consumer(
                "grpo-tasks",
                new StringDeserializer(),
                new StringDeserializer(),
                Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"))) {
            TopicsToEnd.readFromBeginning(
                    consumer,
                    List.of(topic),
                    TOPIC_READ_TIMEOUT,
                    r -> lines.add(
                            topic + " partition " + r.partition() + " offset " + r.offset(), r.key(), r.value()));
        }
        return lines;
    }

    private static List<TaskExample> inTemplate(List<GrpoTaskExample> examples, String template) {
        return examples.stream().map(e -> TaskExample.of(e, template)).toList();
    }
}

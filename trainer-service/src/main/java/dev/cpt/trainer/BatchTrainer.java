package dev.cpt.trainer;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.ConsumedOffset;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.SchedulePhase;
import dev.cpt.contracts.TrainedBatch;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.service.CheckpointStore;
import dev.cpt.service.Keyed;
import dev.cpt.trainer.schedule.LearningRateSchedule;
import dev.cpt.trainer.schedule.Schedules;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * {@code cpt.batches} feeds {@value #BATCHES_IN}: each batch is one optimizer step of the run. Every
 * {@code checkpoint-every-steps} steps the run is written to the store and its claim check goes to
 * {@code cpt.checkpoints} through {@value #CHECKPOINTS_OUT}, after the files are complete. A batch the model cannot
 * take (unreadable, too long, ids outside the vocabulary) goes to {@code cpt.dlq.trainer} with the reason.
 */
@ApplicationScoped
public class BatchTrainer {
    public static final String BATCHES_IN = "batches-in";
    public static final String CHECKPOINTS_OUT = "checkpoints-out";

    private final TrainerConfig config;
    private final TrainerMetrics metrics;
    private final MutinyEmitter<CheckpointEvent> checkpoints;
    private final CheckpointStore store;
    private final KafkaClientService kafkaClients;
    private TrainingRun run;
    private TrainingJournal journal;
    private int consecutiveSkips;
    // After a rollback: per partition, the offset read last before it; records above it were fetched before the
    // seek and come again after it, in order, so they are passed over until the seek's records arrive.
    private final Map<String, Long> discardAbove = new HashMap<>();
    private final LearningRateSchedule schedule;
    private final ReleaseBranch releases;
    private long lastCheckpointStep;
    private long lastCheckpointTokens;
    private boolean checkpointed;
    private long lastBatchAt = System.nanoTime();

    BatchTrainer(
            TrainerConfig config,
            CheckpointStore store,
            TrainerMetrics metrics,
            @Channel(CHECKPOINTS_OUT) MutinyEmitter<CheckpointEvent> checkpoints,
            KafkaClientService kafkaClients) {
        this.kafkaClients = kafkaClients;
        this.config = config;
        this.metrics = metrics;
        this.checkpoints = checkpoints;
        this.store = store;
        this.run = TrainingRun.resumeOrStart(store, config);
        this.lastCheckpointStep = run.step();
        this.lastCheckpointTokens = run.tokensSeen();
        this.checkpointed = run.resumed();
        this.schedule = Schedules.from(config);
        this.releases = schedule instanceof LearningRateSchedule.WarmupStableDecay wsd
                        && config.schedule().releaseEverySteps() > 0
                ? new ReleaseBranch(wsd)
                : null;
        this.journal = TrainingJournal.open(store.root().resolve(config.runId()), run.positions());
    }

    synchronized SchedulePhase phaseState() {
        return run.phases().state();
    }

    /** An operator opens a new phase (for example before a planned shift of data): the schedule re-warms. */
    synchronized SchedulePhase startPhase() {
        run.phases().startPhase(run.step());
        return run.phases().state();
    }

    /** An operator asks the schedule to cool down, for example to finish a checkpoint worth releasing. */
    synchronized SchedulePhase startCooldown() {
        if (schedule.cooldownSteps() == 0) {
            throw new IllegalStateException("the " + config.schedule().kind() + " schedule has no cooldown");
        }
        run.phases().startCooldown(run.step());
        return run.phases().state();
    }

    /**
     * Where a GRPO stage branches off: the run's latest checkpoint, written (and announced) first when the weights
     * have moved since the last one, so the branch starts from exactly the weights eval scored.
     */
    synchronized Path branchPoint() {
        if (!checkpointed || run.step() > lastCheckpointStep) {
            publishCheckpoint();
        }
        return run.latestCheckpointDir();
    }

    /**
     * Runs {@code work} while no batch is trained. libtorch's autograd recorder is process-wide, so two training
     * steps must never overlap: a GRPO stage runs its model work through here, one piece at a time, and the
     * batches consumer waits for each piece (short: one sampling pass or one update), not for the whole stage.
     */
    <T> T exclusively(java.util.function.Supplier<T> work) {
        synchronized (this) {
            return work.get();
        }
    }

    /** Announces a checkpoint another part of the trainer wrote (a GRPO stage's) on {@code cpt.checkpoints}. */
    void announce(CheckpointEvent event) {
        publish(event);
    }

    /** The next offset to read on each batches partition, as far as the current weights are concerned. */
    synchronized List<ConsumedOffset> positions() {
        return run.positions();
    }

    @Incoming(BATCHES_IN)
    @Blocking
    public synchronized void train(ConsumerRecord<String, String> record) {
        TrainingBatch batch = Json.read(record.value(), TrainingBatch.class);
        var position = new ConsumedOffset(record.topic(), record.partition(), record.offset() + 1);
        if (fetchedBeforeRollback(record)) {
            return;
        }
        if (run.alreadyTrained(position)) {
            Log.infof(
                    "batch %s at %s-%d offset %d is already in the weights: not trained again",
                    batch.batchId(), record.topic(), record.partition(), record.offset());
            return;
        }

        if (!checkpointed) {
            publishCheckpoint(); // the base, before the first step changes the weights
        }
        long started = System.nanoTime();
        lastBatchAt = started;
        TrainingRun.StepOutcome outcome = run.train(batch, position, schedule);
        metrics.step(
                run.runId(),
                outcome,
                run.step(),
                run.learningRateScale(),
                Duration.ofNanos(System.nanoTime() - started));
        journal.append(new TrainedBatch(
                run.step(),
                batch.batchId(),
                record.topic(),
                record.partition(),
                record.offset(),
                outcome.result().applied()));
        if (!outcome.result().applied()) {
            Log.warnf("batch %s skipped: %s", batch.batchId(), outcome.result().skippedReason());
            if (++consecutiveSkips >= config.maxConsecutiveSkips()) {
                rollBack(record);
            }
            return;
        }
        consecutiveSkips = 0;
        boolean release = releases != null && run.step() % config.schedule().releaseEverySteps() == 0;
        if (releases != null) {
            releases.remember(batch.sequences().stream().map(s -> s.tokens()).toArray(int[][]::new));
        }
        if (release || checkpointDue()) {
            CheckpointEvent stable = publishCheckpoint();
            if (release) {
                publish(releases.release(store, stable, TrainingRun.device(config)));
            }
        }
    }

    private boolean checkpointDue() {
        boolean byTokens = config.checkpointEveryTokens() > 0
                && run.tokensSeen() - lastCheckpointTokens >= config.checkpointEveryTokens();
        return byTokens
                || run.step() % config.checkpointEverySteps() == 0
                || run.phases().cooldownEndsAt(run.step(), schedule);
    }

    private boolean fetchedBeforeRollback(ConsumerRecord<String, String> record) {
        String partition = record.topic() + "/" + record.partition();
        Long last = discardAbove.get(partition);
        if (last == null) {
            return false;
        }
        if (record.offset() > last) {
            return true;
        }
        discardAbove.remove(partition);
        return false;
    }

    /**
     * Too many non-finite steps in a row: the weights are probably broken. Reload the last checkpoint, lower the
     * learning rate, and read the batches since that checkpoint again, so each is still trained exactly once.
     */
    private void rollBack(ConsumerRecord<String, String> record) {
        double scale = run.learningRateScale() * config.rollbackLearningRateFactor();
        long failedAt = run.step();
        journal.close();
        run.close();
        run = TrainingRun.resumeOrStart(store, config);
        run.scaleLearningRate(scale);
        journal = TrainingJournal.open(store.root().resolve(config.runId()), run.positions());
        lastCheckpointStep = run.step();
        lastCheckpointTokens = run.tokensSeen();
        consecutiveSkips = 0;
        discardAbove.put(record.topic() + "/" + record.partition(), record.offset());
        List<ConsumedOffset> resumeAt = run.positions();
        kafkaClients
                .<String, String>getConsumer(BATCHES_IN)
                .runOnPollingThread(consumer -> {
                    for (TopicPartition tp : consumer.assignment()) {
                        resumeAt.stream()
                                .filter(p -> p.topic().equals(tp.topic()) && p.partition() == tp.partition())
                                .findFirst()
                                .ifPresentOrElse(
                                        p -> consumer.seek(tp, p.nextOffset()),
                                        () -> consumer.seekToBeginning(List.of(tp)));
                    }
                    return null;
                })
                .await()
                .atMost(Duration.ofSeconds(30));
        metrics.rolledBack(run.runId(), scale);
        Log.errorf(
                "run %s: %d non-finite steps in a row at step %d; rolled back to step %d, learning rate now x%.3g",
                run.runId(), config.maxConsecutiveSkips(), failedAt, run.step(), scale);
    }

    /**
     * A run that starts from scratch publishes its untrained weights as step 0 (eval's base model for forgetting and
     * forward transfer); and since the stream may pause for a long time, the steps taken so far do not wait for the
     * next N to be checkpointed.
     */
    @Scheduled(
            every = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    synchronized void checkpointWhenIdle() {
        boolean idle = System.nanoTime() - lastBatchAt
                > config.checkpointWhenIdleAfter().toNanos();
        if (!checkpointed || (idle && run.step() > lastCheckpointStep)) {
            publishCheckpoint();
        }
    }

    private CheckpointEvent publishCheckpoint() {
        long started = System.nanoTime();
        CheckpointEvent event = run.checkpoint(store, config.schedule().kind().name());
        lastCheckpointStep = run.step();
        lastCheckpointTokens = run.tokensSeen();
        checkpointed = true;
        metrics.checkpointWritten(run.runId(), Duration.ofNanos(System.nanoTime() - started));
        publish(event);
        return event;
    }

    private void publish(CheckpointEvent event) {
        checkpoints.sendMessageAndAwait(Keyed.message(event, event.runId()));
        Log.infof("checkpoint of run %s at step %d: %s", event.runId(), event.step(), event.uri());
    }

    synchronized void close(@Observes ShutdownEvent event) {
        journal.close();
        run.close();
    }
}

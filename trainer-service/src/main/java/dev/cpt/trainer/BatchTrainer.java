package dev.cpt.trainer;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.ConsumedOffset;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.MalformedMessageException;
import dev.cpt.contracts.SchedulePhase;
import dev.cpt.contracts.TrainedBatch;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.service.CheckpointStore;
import dev.cpt.service.Keyed;
import dev.cpt.trainer.schedule.Schedules;
import dev.cpt.training.BatchFit;
import dev.cpt.training.schedule.LearningRateSchedule;
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
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * {@code cpt.batches} feeds {@value #BATCHES_IN}: each batch is a micro-batch, and every
 * {@code gradient-accumulation-steps} of them make one optimizer step of the run (one by default). Every
 * {@code checkpoint-every-steps} steps the run is written to the store and its claim check goes to
 * {@code cpt.checkpoints} through {@value #CHECKPOINTS_OUT}, after the files are complete. A batch the model cannot
 * take (unreadable, cut by another tokenizer than the model's, too long, ids outside the vocabulary) goes to
 * {@code cpt.dlq.trainer} with the reason, and is counted. After each checkpoint, at start, and when eval has reported
 * on more of them ({@code cpt.eval.reports}, read by {@link EvalProgress}), the checkpoints retention lets go are
 * deleted ({@link CheckpointRetention}).
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
    private final LearningRateSchedule schedule;
    private final ReplayFilter replays = new ReplayFilter();
    private final RollbackGuard rollbackGuard;
    private final ReleaseCadence releases;
    private final CheckpointCadence cadence;
    private final CheckpointRetention retention;
    private TrainingRun run;
    private TrainingJournal journal;

    BatchTrainer(
            TrainerConfig config,
            CheckpointStore store,
            TrainerMetrics metrics,
            @Channel(CHECKPOINTS_OUT) MutinyEmitter<CheckpointEvent> checkpoints,
            KafkaClientService kafkaClients,
            CheckpointRetention retention) {
        this.kafkaClients = kafkaClients;
        this.retention = retention;
        this.config = config;
        this.metrics = metrics;
        this.checkpoints = checkpoints;
        this.store = store;
        OptimizerConfig.of(config); // a bad setting stops the trainer here, before any batch is read
        this.schedule = Schedules.from(config);
        this.rollbackGuard = new RollbackGuard(config.maxConsecutiveSkips());
        this.releases = ReleaseCadence.of(schedule, config.schedule(), OptimizerConfig.of(config));
        openRun();
        this.cadence = new CheckpointCadence(config, schedule, run);
        retention.prune();
    }

    /** The run as its latest checkpoint left it (or a new one), and its journal cut to match. */
    private void openRun() {
        run = TrainingRun.resumeOrStart(store, config);
        journal = TrainingJournal.open(store.root().resolve(config.runId()), run.positions());
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
        if (cadence.behind(run)) {
            publishCheckpoint();
        }
        return run.latestCheckpointDir();
    }

    /**
     * Runs {@code work} while no batch is trained. libtorch's autograd recorder is process-wide, so two training
     * steps must never overlap: a GRPO stage runs its model work through here, one piece at a time, and the
     * batches consumer waits for each piece (short: one sampling pass or one update), not for the whole stage.
     */
    <T> T exclusively(Supplier<T> work) {
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
        TrainingBatch batch;
        try {
            batch = Json.read(record.value(), TrainingBatch.class);
        } catch (MalformedMessageException e) {
            metrics.batchRefused(run.runId(), TrainerMetrics.UNREADABLE);
            throw e;
        }
        if (replays.passesOver(record, batch.batchId(), run)) {
            return;
        }
        if (cadence.baseDue()) {
            publishCheckpoint(); // the base, before the first step changes the weights
        }
        Optional<TrainingRun.TrainedStep> stepped;
        try {
            stepped = train(record, batch);
        } catch (BatchFit.Refused e) {
            metrics.batchRefused(run.runId(), e.kind());
            throw e; // nacked: to the dead-letter topic with the reason, and the partition moves on
        }
        if (stepped.isEmpty()) {
            return; // gradients accumulated; the optimizer step comes with a later batch
        }
        TrainingRun.TrainedStep taken = stepped.get();
        if (rollbackGuard.rollbackNeeded(taken)) {
            rollBack(record);
        }
        if (!taken.outcome().result().applied()) {
            return;
        }
        releases.remember(taken);
        checkpointIfDue();
    }

    /**
     * Trains one batch; when that completes an optimizer step, records the step in the metrics and each of its
     * batches in the journal, applied or skipped.
     */
    private Optional<TrainingRun.TrainedStep> train(ConsumerRecord<String, String> record, TrainingBatch batch) {
        cadence.batchArrived();
        Optional<TrainingRun.TrainedStep> stepped = run.train(batch, TrainingRun.positionAfter(record), schedule);
        stepped.ifPresent(taken -> {
            metrics.step(run.runId(), taken.outcome(), run.step(), run.learningRateScale());
            for (TrainingRun.MicroBatch m : taken.microBatches()) {
                journal.append(new TrainedBatch(
                        run.step(),
                        m.batch().batchId(),
                        m.position().topic(),
                        m.position().partition(),
                        m.position().nextOffset() - 1,
                        taken.outcome().result().applied()));
            }
        });
        return stepped;
    }

    /** After a step: a checkpoint when one is due, and a release off it when one is. */
    private void checkpointIfDue() {
        boolean release = releases.dueAt(run.step());
        if (release || cadence.dueAfterStep(run)) {
            CheckpointEvent stable = publishCheckpoint();
            if (release) {
                publish(releases.release(store, stable, TrainingRun.device(config)));
            }
        }
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
        openRun();
        run.scaleLearningRate(scale);
        cadence.restartFrom(run);
        rollbackGuard.rolledBack();
        replays.rewoundFrom(record);
        seekBatchesTo(run.positions());
        metrics.rolledBack(run.runId(), scale);
        Log.errorf(
                "run %s: %d non-finite steps in a row at step %d; rolled back to step %d, learning rate now x%.3g",
                run.runId(), rollbackGuard.maxConsecutiveSkips(), failedAt, run.step(), scale);
    }

    /** Points the batches consumer at {@code positions}; a partition without one is read from its beginning. */
    private void seekBatchesTo(List<ConsumedOffset> positions) {
        kafkaClients
                .<String, String>getConsumer(BATCHES_IN)
                .runOnPollingThread(consumer -> {
                    for (TopicPartition tp : consumer.assignment()) {
                        positions.stream()
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
        if (cadence.dueWhenIdle(run)) {
            publishCheckpoint();
        } else if (retention.evalMovedOn()) {
            retention.prune(); // eval's reports may let older checkpoints go
        }
    }

    private CheckpointEvent publishCheckpoint() {
        long started = System.nanoTime();
        CheckpointEvent event = run.checkpoint(store, config.schedule().kind().name());
        cadence.written(run);
        metrics.checkpointWritten(run.runId(), Duration.ofNanos(System.nanoTime() - started));
        // Before the announcement: once a checkpoint is announced, the pass that follows it is done.
        retention.prune();
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

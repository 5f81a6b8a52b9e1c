package dev.cpt.trainer;

import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.ConsumedOffset;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.TrainingBatch;
import dev.cpt.trainer.schedule.LearningRateSchedule;
import dev.cpt.trainer.schedule.PhaseClock;
import dev.cpt.trainer.schedule.Schedules;
import dev.cpt.service.CheckpointStore;
import dev.cpt.service.Keyed;
import dev.cpt.service.StoreConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
    private final TrainingRun run;
    private final TrainingJournal journal;
    private final LearningRateSchedule schedule;
    private long lastCheckpointStep;
    private boolean checkpointed;
    private long lastBatchAt = System.nanoTime();

    BatchTrainer(TrainerConfig config, StoreConfig storeConfig, TrainerMetrics metrics,
            @Channel(CHECKPOINTS_OUT) MutinyEmitter<CheckpointEvent> checkpoints) {
        this.config = config;
        this.metrics = metrics;
        this.checkpoints = checkpoints;
        this.store = new CheckpointStore(Path.of(storeConfig.root()));
        this.run = TrainingRun.resumeOrStart(store, config);
        this.lastCheckpointStep = run.step();
        this.checkpointed = run.resumed();
        this.schedule = Schedules.from(config);
        this.journal = TrainingJournal.open(store.root().resolve(config.runId()), run.positions());
    }

    synchronized PhaseClock.State phaseState() {
        return run.phases().state();
    }

    /** An operator opens a new phase (for example before a planned shift of data): the schedule re-warms. */
    synchronized PhaseClock.State startPhase() {
        run.phases().startPhase(run.step());
        return run.phases().state();
    }

    /** An operator asks the schedule to cool down, for example to finish a checkpoint worth releasing. */
    synchronized PhaseClock.State startCooldown() {
        run.phases().startCooldown(run.step());
        return run.phases().state();
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
        if (run.alreadyTrained(position)) {
            Log.infof("batch %s at %s-%d offset %d is already in the weights: not trained again", batch.batchId(),
                    record.topic(), record.partition(), record.offset());
            return;
        }

        if (!checkpointed) {
            publishCheckpoint(); // the base, before the first step changes the weights
        }
        long started = System.nanoTime();
        lastBatchAt = started;
        TrainingRun.StepOutcome outcome = run.train(batch, position, schedule);
        metrics.step(run.runId(), outcome, run.step(), Duration.ofNanos(System.nanoTime() - started));
        journal.append(new TrainingJournal.Entry(run.step(), batch.batchId(), record.topic(), record.partition(),
                record.offset(), outcome.result().applied()));
        if (!outcome.result().applied()) {
            Log.warnf("batch %s skipped: %s", batch.batchId(), outcome.result().skippedReason());
        }
        if (outcome.result().applied() && run.step() % config.checkpointEverySteps() == 0) {
            publishCheckpoint();
        }
    }

    /**
     * A run that starts from scratch publishes its untrained weights as step 0 (eval's base model for forgetting and
     * forward transfer); and since the stream may pause for a long time, the steps taken so far do not wait for the
     * next N to be checkpointed.
     */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    synchronized void checkpointWhenIdle() {
        boolean idle = System.nanoTime() - lastBatchAt > config.checkpointWhenIdleAfter().toNanos();
        if (!checkpointed || (idle && run.step() > lastCheckpointStep)) {
            publishCheckpoint();
        }
    }

    private void publishCheckpoint() {
        long started = System.nanoTime();
        CheckpointEvent event = run.checkpoint(store);
        lastCheckpointStep = run.step();
        checkpointed = true;
        metrics.checkpointWritten(run.runId(), Duration.ofNanos(System.nanoTime() - started));
        checkpoints.sendMessageAndAwait(Keyed.message(event, event.runId()));
        Log.infof("checkpoint of run %s at step %d: %s", event.runId(), event.step(), event.uri());
    }

    synchronized void close(@Observes ShutdownEvent event) {
        journal.close();
        run.close();
    }
}

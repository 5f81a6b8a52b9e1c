package dev.cpt.contracts.metrics;

import static dev.cpt.contracts.metrics.Metric.counter;
import static dev.cpt.contracts.metrics.Metric.gauge;
import static dev.cpt.contracts.metrics.Metric.histogram;
import static dev.cpt.contracts.metrics.Metric.summary;
import static dev.cpt.contracts.metrics.Metric.timer;

import java.util.List;

/**
 * Every meter the services export, by the service that records it. Services register their meters under these names,
 * their tests read the scrape by them, and the deployment tests check the dashboards and alert rules against them.
 */
public final class Metrics {

    // data-ingest-service
    public static final Metric INGEST_RECEIVED = counter("cpt.ingest.received");
    public static final Metric INGEST_DOCUMENTS = counter("cpt.ingest.documents");
    public static final Metric INGEST_BYTES = counter("cpt.ingest.bytes");
    public static final Metric INGEST_TOKENS = counter("cpt.ingest.tokens");
    public static final Metric INGEST_DUPLICATES = counter("cpt.ingest.duplicates");
    public static final Metric INGEST_REJECTS = counter("cpt.ingest.rejects");
    public static final Metric INGEST_FILES = counter("cpt.ingest.files");
    public static final Metric INGEST_QUALITY = histogram("cpt.ingest.quality");

    // mixer-service
    public static final Metric MIXER_DOCUMENTS = counter("cpt.mixer.documents");
    public static final Metric MIXER_DOCUMENTS_SKIPPED = counter("cpt.mixer.documents.skipped");
    public static final Metric MIXER_DOCUMENTS_REFUSED = counter("cpt.mixer.documents.refused");
    public static final Metric MIXER_ROUNDS = counter("cpt.mixer.rounds");
    public static final Metric MIXER_ROUNDS_FAILED = counter("cpt.mixer.rounds.failed");
    public static final Metric MIXER_BATCHES = counter("cpt.mixer.batches");
    public static final Metric MIXER_TOKENS = counter("cpt.mixer.tokens");
    public static final Metric MIXER_POLICY_FALLBACKS = counter("cpt.mixer.policy.fallbacks");
    public static final Metric MIXER_FEEDBACK = counter("cpt.mixer.feedback");
    public static final Metric MIXER_WEIGHT = gauge("cpt.mixer.weight");
    public static final Metric MIXER_REPLAY_SHARE = gauge("cpt.mixer.replay.share");
    public static final Metric MIXER_ROUND = gauge("cpt.mixer.round");
    public static final Metric MIXER_BUFFERED_TOKENS = gauge("cpt.mixer.buffered.tokens");
    public static final Metric MIXER_RESERVOIR_TOKENS = gauge("cpt.mixer.reservoir.tokens");
    public static final Metric MIXER_RESERVOIR_DOCUMENTS = gauge("cpt.mixer.reservoir.documents");
    public static final Metric MIXER_RESERVOIR_MEMORY_TOKENS = gauge("cpt.mixer.reservoir.memory.tokens");
    public static final Metric MIXER_POLICY_REWARD = gauge("cpt.mixer.policy.reward");

    // trainer-service, continual pre-training
    public static final Metric TRAINER_TOKENS = counter("cpt.trainer.tokens");
    public static final Metric TRAINER_SKIPPED_STEPS = counter("cpt.trainer.skipped.steps");
    public static final Metric TRAINER_BATCHES_REFUSED = counter("cpt.trainer.batches.refused");
    public static final Metric TRAINER_ROLLBACKS = counter("cpt.trainer.rollbacks");
    public static final Metric TRAINER_CHECKPOINTS = counter("cpt.trainer.checkpoints");
    public static final Metric TRAINER_LOSS = gauge("cpt.trainer.loss");
    public static final Metric TRAINER_STEP = gauge("cpt.trainer.step");
    /** Tokens of the sequences in the last optimizer step, over all its micro-batches. */
    public static final Metric TRAINER_STEP_TOKENS = gauge("cpt.trainer.step.tokens");
    /** Batch messages whose gradients the last optimizer step applied (gradient-accumulation-steps). */
    public static final Metric TRAINER_STEP_MICRO_BATCHES = gauge("cpt.trainer.step.micro.batches");

    public static final Metric TRAINER_LEARNING_RATE = gauge("cpt.trainer.learning.rate");
    public static final Metric TRAINER_LEARNING_RATE_SCALE = gauge("cpt.trainer.learning.rate.scale");
    public static final Metric TRAINER_GRAD_NORM = gauge("cpt.trainer.grad.norm");
    public static final Metric TRAINER_TOKENS_PER_SECOND = gauge("cpt.trainer.tokens.per.second");
    public static final Metric TRAINER_CHECKPOINT_WRITE = timer("cpt.trainer.checkpoint.write");
    /** Checkpoints of the run deleted by retention. */
    public static final Metric TRAINER_CHECKPOINTS_DELETED = counter("cpt.trainer.checkpoints.deleted");
    /** Bytes on disk of the run's checkpoint directories, after the last retention pass. */
    public static final Metric TRAINER_CHECKPOINT_BYTES = gauge("cpt.trainer.checkpoint.bytes");
    /** Checkpoints of the run kept for each reason (tag {@code reason}; one kept for two reasons counts in both). */
    public static final Metric TRAINER_CHECKPOINTS_KEPT = gauge("cpt.trainer.checkpoints.kept");

    // trainer-service, GRPO stage
    public static final Metric GRPO_STEPS = counter("cpt.grpo.steps");
    public static final Metric GRPO_STALE_GROUPS = counter("cpt.grpo.stale.groups");
    public static final Metric GRPO_LATE_REWARDS = counter("cpt.grpo.late.rewards");
    public static final Metric GRPO_ZERO_STD_GROUPS = counter("cpt.grpo.zero.std.groups");
    public static final Metric GRPO_GROUPS_USED = counter("cpt.grpo.groups.used");
    public static final Metric GRPO_REWARD_MEAN = gauge("cpt.grpo.reward.mean");
    public static final Metric GRPO_ADVANTAGE_STD = gauge("cpt.grpo.advantage.std");
    public static final Metric GRPO_KL = gauge("cpt.grpo.kl");
    public static final Metric GRPO_CLIP_FRACTION = gauge("cpt.grpo.clip.fraction");
    public static final Metric GRPO_POLICY_VERSION = gauge("cpt.grpo.policy.version");
    public static final Metric GRPO_HELDOUT_REWARD = gauge("cpt.grpo.heldout.reward");
    /** Completion tokens per second of the last step's rollout sampling. */
    public static final Metric GRPO_ROLLOUT_TOKENS_PER_SECOND = gauge("cpt.grpo.rollout.tokens.per.second");
    /** Completion tokens sampled as rollouts. */
    public static final Metric GRPO_ROLLOUT_TOKENS = counter("cpt.grpo.rollout.tokens");
    /** From a reward request's sending to its answer's arrival at the trainer, for answers still awaited. */
    public static final Metric GRPO_REWARD_LATENCY = timer("cpt.grpo.reward.latency");
    /** Policy updates between a used group's sampling and its use, one record per applied step (its mean). */
    public static final Metric GRPO_STALENESS = summary("cpt.grpo.staleness");
    /** Share of an applied step's completion tokens whose importance weight was cut to its cap. */
    public static final Metric GRPO_TRUNCATED_FRACTION = gauge("cpt.grpo.truncated.fraction");
    /** Lines or records of a user's GRPO tasks refused at a stage's start (dead-lettered), tagged by reason. */
    public static final Metric GRPO_TASKS_REJECTED = counter("cpt.grpo.tasks.rejected");

    // eval-service
    public static final Metric EVAL_REPORTS = counter("cpt.eval.reports");
    public static final Metric EVAL_HELDOUT_TOKENS_SCORED = counter("cpt.eval.heldout.tokens.scored");
    public static final Metric EVAL_GATE_DECISIONS = counter("cpt.eval.gate.decisions");
    public static final Metric EVAL_CHECKPOINT_TO_REPORT = timer("cpt.eval.checkpoint.to.report");
    public static final Metric EVAL_SCORING = timer("cpt.eval.scoring");
    public static final Metric EVAL_HELDOUT_TOKENS_PER_SECOND = gauge("cpt.eval.heldout.tokens.per.second");
    public static final Metric EVAL_STEP = gauge("cpt.eval.step");
    public static final Metric EVAL_LOSS = gauge("cpt.eval.loss");
    public static final Metric EVAL_PERPLEXITY = gauge("cpt.eval.perplexity");
    public static final Metric EVAL_HELDOUT_DOCUMENTS = gauge("cpt.eval.heldout.documents");
    public static final Metric EVAL_HELDOUT_FROZEN = gauge("cpt.eval.heldout.frozen");
    public static final Metric EVAL_GATE_RELEASED = gauge("cpt.eval.gate.released");
    public static final Metric EVAL_GATE_TARGET_IMPROVEMENT = gauge("cpt.eval.gate.target.improvement");
    public static final Metric EVAL_REGRESSION = gauge("cpt.eval.regression");
    public static final Metric EVAL_RELEASE_STEP = gauge("cpt.eval.release.step");
    public static final Metric EVAL_LAST_GOOD_RELEASE_STEP = gauge("cpt.eval.last.good.release.step");
    public static final Metric EVAL_TASK_EXACT_MATCH = gauge("cpt.eval.task.exact.match");
    public static final Metric EVAL_TASK_SEMANTIC_SCORE = gauge("cpt.eval.task.semantic.score");
    public static final Metric EVAL_FORGETTING = gauge("cpt.eval.forgetting");
    public static final Metric EVAL_FORGETTING_VS_BASE = gauge("cpt.eval.forgetting.vs.base");
    public static final Metric EVAL_MATRIX = gauge("cpt.eval.matrix");
    public static final Metric EVAL_PHASE = gauge("cpt.eval.phase");
    public static final Metric EVAL_BWT = gauge("cpt.eval.bwt");
    public static final Metric EVAL_FWT = gauge("cpt.eval.fwt");
    public static final Metric EVAL_STABILITY_GAP_DEPTH = gauge("cpt.eval.stability.gap.depth");
    public static final Metric EVAL_STABILITY_GAP_RECOVERED = gauge("cpt.eval.stability.gap.recovered");
    public static final Metric EVAL_STABILITY_GAP_RECOVERY_STEPS = gauge("cpt.eval.stability.gap.recovery.steps");

    // reward-service
    public static final Metric REWARD_REQUESTS = counter("cpt.reward.requests");
    public static final Metric REWARD_REJECTS = counter("cpt.reward.rejects");
    public static final Metric REWARD_SCORE = summary("cpt.reward.score");
    public static final Metric REWARD_TERM = summary("cpt.reward.term");
    public static final Metric REWARD_BATCH_SIZE = summary("cpt.reward.batch.size");
    public static final Metric REWARD_LATENCY = timer("cpt.reward.latency");
    public static final Metric REWARD_FORWARD = timer("cpt.reward.forward");
    public static final Metric REWARD_QUEUE_DEPTH = gauge("cpt.reward.queue.depth");

    /**
     * Not registered by our code: the Kafka client's own metric, which Quarkus binds into every service's registry. Named
     * here because the dashboards and the lag alert read it.
     */
    public static final Metric KAFKA_CONSUMER_RECORDS_LAG_MAX = gauge("kafka.consumer.fetch.manager.records.lag.max");

    public static final List<Metric> ALL = List.of(
            INGEST_RECEIVED,
            INGEST_DOCUMENTS,
            INGEST_BYTES,
            INGEST_TOKENS,
            INGEST_DUPLICATES,
            INGEST_REJECTS,
            INGEST_FILES,
            INGEST_QUALITY,
            MIXER_DOCUMENTS,
            MIXER_DOCUMENTS_SKIPPED,
            MIXER_DOCUMENTS_REFUSED,
            MIXER_ROUNDS,
            MIXER_ROUNDS_FAILED,
            MIXER_BATCHES,
            MIXER_TOKENS,
            MIXER_POLICY_FALLBACKS,
            MIXER_FEEDBACK,
            MIXER_WEIGHT,
            MIXER_REPLAY_SHARE,
            MIXER_ROUND,
            MIXER_BUFFERED_TOKENS,
            MIXER_RESERVOIR_TOKENS,
            MIXER_RESERVOIR_DOCUMENTS,
            MIXER_RESERVOIR_MEMORY_TOKENS,
            MIXER_POLICY_REWARD,
            TRAINER_TOKENS,
            TRAINER_SKIPPED_STEPS,
            TRAINER_BATCHES_REFUSED,
            TRAINER_ROLLBACKS,
            TRAINER_CHECKPOINTS,
            TRAINER_LOSS,
            TRAINER_STEP,
            TRAINER_STEP_TOKENS,
            TRAINER_STEP_MICRO_BATCHES,
            TRAINER_LEARNING_RATE,
            TRAINER_LEARNING_RATE_SCALE,
            TRAINER_GRAD_NORM,
            TRAINER_TOKENS_PER_SECOND,
            TRAINER_CHECKPOINT_WRITE,
            TRAINER_CHECKPOINTS_DELETED,
            TRAINER_CHECKPOINT_BYTES,
            TRAINER_CHECKPOINTS_KEPT,
            GRPO_STEPS,
            GRPO_STALE_GROUPS,
            GRPO_LATE_REWARDS,
            GRPO_ZERO_STD_GROUPS,
            GRPO_GROUPS_USED,
            GRPO_REWARD_MEAN,
            GRPO_ADVANTAGE_STD,
            GRPO_KL,
            GRPO_CLIP_FRACTION,
            GRPO_POLICY_VERSION,
            GRPO_HELDOUT_REWARD,
            GRPO_ROLLOUT_TOKENS_PER_SECOND,
            GRPO_ROLLOUT_TOKENS,
            GRPO_REWARD_LATENCY,
            GRPO_STALENESS,
            GRPO_TRUNCATED_FRACTION,
            GRPO_TASKS_REJECTED,
            EVAL_REPORTS,
            EVAL_HELDOUT_TOKENS_SCORED,
            EVAL_GATE_DECISIONS,
            EVAL_CHECKPOINT_TO_REPORT,
            EVAL_SCORING,
            EVAL_HELDOUT_TOKENS_PER_SECOND,
            EVAL_STEP,
            EVAL_LOSS,
            EVAL_PERPLEXITY,
            EVAL_HELDOUT_DOCUMENTS,
            EVAL_HELDOUT_FROZEN,
            EVAL_GATE_RELEASED,
            EVAL_GATE_TARGET_IMPROVEMENT,
            EVAL_REGRESSION,
            EVAL_RELEASE_STEP,
            EVAL_LAST_GOOD_RELEASE_STEP,
            EVAL_TASK_EXACT_MATCH,
            EVAL_TASK_SEMANTIC_SCORE,
            EVAL_FORGETTING,
            EVAL_FORGETTING_VS_BASE,
            EVAL_MATRIX,
            EVAL_PHASE,
            EVAL_BWT,
            EVAL_FWT,
            EVAL_STABILITY_GAP_DEPTH,
            EVAL_STABILITY_GAP_RECOVERED,
            EVAL_STABILITY_GAP_RECOVERY_STEPS,
            REWARD_REQUESTS,
            REWARD_REJECTS,
            REWARD_SCORE,
            REWARD_TERM,
            REWARD_BATCH_SIZE,
            REWARD_LATENCY,
            REWARD_FORWARD,
            REWARD_QUEUE_DEPTH,
            KAFKA_CONSUMER_RECORDS_LAG_MAX);

    private Metrics() {}
}

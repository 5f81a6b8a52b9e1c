package dev.cpt.trainer;

import dev.cpt.model.ModelPreset;
import dev.cpt.model.Precision;
import dev.cpt.model.engine.ComputeDevice;
import dev.cpt.training.schedule.ScheduleSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "cpt.trainer")
public interface TrainerConfig {
    /** Names the training run: its checkpoints live under {@code <store>/<run-id>/} and its events carry it. */
    @WithDefault("demo")
    String runId();

    /**
     * Weights a new run continues from: a checkpoint directory of this project or a Hugging Face directory of a GPT-2
     * or Llama-family model, whole or sharded (see {@code BaseModel}).
     * Unset: the run starts from freshly initialised weights of the {@link #model()} size.
     */
    java.util.Optional<String> baseCheckpoint();

    /** Model size when the run starts from scratch: tiny, small1M or medium10M (GPT-2), or llamaDemo10M (Llama). */
    @WithDefault("small1M")
    ModelPreset model();

    /**
     * Where the run's model, a Hugging Face base and GRPO's reference and policy live: auto (a GPU when libtorch finds
     * CUDA, else the CPU, logged), cpu or gpu (refuses to start without one). See {@link ComputeDevice}.
     */
    @WithDefault("auto")
    ComputeDevice device();

    /** The property {@link #device()} is read from, named in its log lines and errors. */
    String DEVICE_SETTING = "cpt.trainer.device";

    /**
     * Model replicas the run trains on, data parallel in this process: each batch message's rows are split across
     * them and one optimizer step takes their summed gradients (see {@code DataParallel}), the same update one model
     * takes on all the rows. On auto or gpu: the first this-many CUDA devices, refused at start when fewer are
     * visible; on cpu: that many CPU replicas, which check the path and are never faster than one. Checkpoints,
     * release branches and GRPO stages use one model, on the first device.
     */
    @WithDefault("1")
    int replicas();

    /** The property {@link #replicas()} is read from, named in its errors. */
    String REPLICAS_SETTING = "cpt.trainer.replicas";

    /**
     * What the run's matrix products compute in: float32, or fp16 (float16 products on float32 master weights and
     * AdamW moments, for GPU tensor cores; slower on a CPU). See {@link Precision}.
     */
    @WithDefault("float32")
    Precision precision();

    /** Seed of the initial weights of a run that starts from scratch. */
    @WithDefault("1234")
    long seed();

    /** Peak AdamW learning rate, reached at the end of each phase's warmup. */
    @WithDefault("1e-3")
    double learningRate();

    /**
     * Batch messages whose gradients are summed into one optimizer step, as {@code gradient_accumulation_steps} in
     * Hugging Face transformers and nanoGPT: tokens per step = this x the tokens of a batch message (the mixer's
     * {@code batch-size} x 129 by default). The loss of every micro-batch is weighted by its target tokens, so the step
     * is the one a single batch of all their rows would take. Steps, the schedule and checkpoints count optimizer
     * steps; 1 trains every message as a step of its own.
     */
    @WithDefault("1")
    int gradientAccumulationSteps();

    /** AdamW settings of every optimizer step the trainer takes; the learning rate comes from the schedule. */
    Optimizer optimizer();

    interface Optimizer {
        /** Decay of the first moment (momentum), in [0, 1). */
        @WithDefault("0.9")
        double beta1();

        /** Decay of the second moment, in [0, 1); GPT-2-style training uses 0.95, PyTorch's default is 0.999. */
        @WithDefault("0.95")
        double beta2();

        /** Added to the root of the second moment before dividing, > 0. */
        @WithDefault("1e-8")
        double eps();

        /** Decoupled weight decay, >= 0, applied to matrices and embeddings only (never biases or norm gains). */
        @WithDefault("0.1")
        double weightDecay();

        /** The global L2 norm of each optimizer step's gradient is clipped to this, >= 0; 0 turns clipping off. */
        @WithDefault("1.0")
        double maxGradNorm();
    }

    /** After this many non-finite steps in a row the run rolls back to its last checkpoint. */
    @WithDefault("3")
    int maxConsecutiveSkips();

    /** Each rollback multiplies the learning rate by this factor, for the rest of the run. */
    @WithDefault("0.5")
    double rollbackLearningRateFactor();

    /** The learning-rate schedule and when it re-warms. */
    Schedule schedule();

    interface Schedule {
        /** constant, cosine (warmup + cosine decay, again each phase), wsd (warmup-stable-decay) or infinite. */
        @WithDefault("infinite")
        ScheduleSettings.Kind kind();

        /** Linear warmup at the start of every phase. */
        @WithDefault("20")
        long warmupSteps();

        /** cosine: steps from the peak down to the minimum; wsd: length of a release's decay. */
        @WithDefault("500")
        long decaySteps();

        /** The floor a decay or a cooldown ends at. */
        @WithDefault("1e-5")
        double minLearningRate();

        /** infinite: the constant rate of the long middle phase. */
        @WithDefault("5e-4")
        double plateauLearningRate();

        /** infinite: steps of the cosine anneal from the peak to the plateau. */
        @WithDefault("200")
        long annealSteps();

        /** infinite: steps of the cooldown an operator (POST /schedule/cooldown) asks for. */
        @WithDefault("20")
        long cooldownSteps();

        /** wsd: every this many steps a decayed release is branched off the stable run (0: never). */
        @WithDefault("0")
        long releaseEverySteps();

        /** Whether a batch bringing a domain the run has not trained on starts a new, re-warmed phase. */
        @WithDefault("true")
        boolean rewarmOnNewDomain();
    }

    /** A checkpoint is written and announced every this many optimizer steps. */
    @WithDefault("50")
    int checkpointEverySteps();

    /** Also a checkpoint whenever this many tokens have been trained since the last one (0: only by steps). */
    @WithDefault("0")
    long checkpointEveryTokens();

    /** When no batch has come for this long, steps taken since the last checkpoint are checkpointed too. */
    @WithDefault("10s")
    java.time.Duration checkpointWhenIdleAfter();

    /** Which of the run's checkpoints are deleted (see {@link RetentionRule} for every reason one is kept). */
    Retention retention();

    interface Retention {
        /**
         * Keeps this many most recent checkpoints of the run, and besides them LATEST, the base, every release, the
         * rollback target, the last checkpoint of every phase, every checkpoint eval has not reported on and every
         * base of an unfinished GRPO stage; the others are deleted. 0: nothing is deleted.
         */
        @WithDefault("3")
        int keepLast();
    }

    /** GRPO stages ({@code POST /grpo}). */
    Grpo grpo();

    interface Grpo {
        /** How long a GRPO step waits for the rewards of the rollouts it sampled before going on without them. */
        @WithDefault("30s")
        java.time.Duration rewardTimeout();

        /**
         * A rollout whose rewards come after its step may still be used while the policy has moved on by at most this
         * many updates; older ones are dropped and counted (0: only in the step that sampled them).
         */
        @WithDefault("1")
        int maxStalenessSteps();

        /**
         * Each step samples the next step's rollouts before its own update and sends their reward requests, so the
         * reward service scores them while the step trains; they are then one update old when used and corrected by
         * the truncated importance weight. Needs max-staleness-steps >= 1. false: sample, wait, train, one after the
         * other.
         */
        @WithDefault("true")
        boolean overlapRollouts();

        /**
         * C, the cap of the importance weight min(pi_old / mu, C) on each token of a rollout sampled by an older policy
         * mu (truncated importance sampling); at least 1.
         */
        @WithDefault("2")
        double importanceWeightCap();

        /** Largest group size G a request may ask for. */
        @WithDefault("64")
        int maxGroupSize();

        /** Most steps one stage may ask for. */
        @WithDefault("10000")
        int maxSteps();

        /** Most training prompts one stage may ask for. */
        @WithDefault("5000")
        int maxPrompts();
    }
}

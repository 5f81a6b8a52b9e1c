package dev.cpt.mixing.text;

import dev.cpt.model.DecoderConfig;
import dev.cpt.model.ModelPreset;
import dev.cpt.model.OptimizerSettings;
import dev.cpt.training.schedule.LearningRateSchedule;
import dev.cpt.training.schedule.ScheduleSettings;

/**
 * The size of a run on real text: the model, how a phase is cut into rounds, and how long the general pre-training
 * is. Training is the trainer's: its default AdamW settings and its default schedule at {@code learningRate}, re-warmed
 * when a domain arrives.
 *
 * @param model a preset of the trainer's; its vocabulary is the size of the byte-level BPE trained on the general
 *     domain
 * @param learningRate the schedule's peak (the trainer's {@code cpt.trainer.learning-rate})
 * @param batchSize sequences per optimizer step (one batch message, no accumulation)
 * @param batchesPerRound batches in one mixing round
 * @param rounds rounds per phase under the equal-budget reading; under equal-fresh data, the rounds a phase's fresh
 *     data lasts at full weight
 * @param pretrainSteps optimizer steps on the general domain before any other domain arrives
 * @param heldoutDocuments documents of each domain kept out of training and scored after every round
 * @param budget when a phase ends
 */
public record TextRunSettings(
        ModelPreset model,
        double learningRate,
        int batchSize,
        int batchesPerRound,
        int rounds,
        int pretrainSteps,
        int heldoutDocuments,
        Budget budget) {

    public static final String DEFAULT_MODEL = "llamaTiny";
    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    public static final int DEFAULT_BATCH_SIZE = 8;
    public static final int DEFAULT_BATCHES_PER_ROUND = 4;
    public static final int DEFAULT_ROUNDS = 12;
    public static final int DEFAULT_PRETRAIN_STEPS = 1000;
    public static final int DEFAULT_HELDOUT_DOCUMENTS = 8;

    /** When a phase ends, and so how much each policy trains. */
    public enum Budget {
        /**
         * Every policy trains the same tokens per phase ({@code rounds} rounds, replay included); fresh data a policy
         * leaves untrained stays buffered as fresh data of its domain.
         */
        EQUAL_TOKENS("equal-budget"),
        /**
         * Each phase brings the same fresh data and lasts until it is used up (the demo's and the services' way): a
         * policy that replays more trains more steps.
         */
        EQUAL_FRESH("equal-fresh");

        private final String label;

        Budget(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public TextRunSettings {
        if (!(learningRate > 0)
                || batchSize < 1
                || batchesPerRound < 1
                || rounds < 1
                || pretrainSteps < 1
                || heldoutDocuments < 1) {
            throw new IllegalArgumentException("run sizes and the learning rate must be positive: " + this);
        }
    }

    /**
     * The benchmark's default: the Llama test preset (about 0.25M parameters, context 64, a 2,048-token BPE), 8 x 65
     * tokens per step, rounds of 4 steps, 12 rounds (about 25k tokens) per phase, 1,000 pre-training steps (about 6
     * passes over the shipped general corpus: at 300 the general loss was still falling so fast that training on
     * other domains lowered it too, and no policy showed forgetting), 8 held-out documents per domain.
     */
    public static TextRunSettings defaults() {
        return new TextRunSettings(
                ModelPreset.valueOf(DEFAULT_MODEL),
                DEFAULT_LEARNING_RATE,
                DEFAULT_BATCH_SIZE,
                DEFAULT_BATCHES_PER_ROUND,
                DEFAULT_ROUNDS,
                DEFAULT_PRETRAIN_STEPS,
                DEFAULT_HELDOUT_DOCUMENTS,
                Budget.EQUAL_TOKENS);
    }

    public TextRunSettings withBudget(Budget b) {
        return new TextRunSettings(
                model, learningRate, batchSize, batchesPerRound, rounds, pretrainSteps, heldoutDocuments, b);
    }

    public DecoderConfig decoderConfig() {
        return model.decoderConfig();
    }

    public int sequenceLength() {
        return decoderConfig().contextLength() + 1;
    }

    /** Sequences in one round. */
    public int roundSize() {
        return batchSize * batchesPerRound;
    }

    /** Fresh tokens each arriving domain brings; under the equal-budget reading also the tokens a phase trains. */
    public long phaseTokens() {
        return (long) rounds * roundSize() * sequenceLength();
    }

    public LearningRateSchedule schedule() {
        return ScheduleSettings.trainerDefaults(learningRate).schedule();
    }

    public OptimizerSettings optimizer() {
        return OptimizerSettings.defaults().withLearningRate(learningRate);
    }
}

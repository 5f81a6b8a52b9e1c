package dev.cpt.training.schedule;

import dev.cpt.model.train.WarmupCosine;

/**
 * The learning rate of every optimizer step, as a pure function of where the run is in its current phase.
 * A phase starts when the run starts, when a new domain arrives, or when an operator asks; each phase re-warms.
 * See "Simple and Scalable Strategies to Continually Pre-train LLMs" (re-warm + re-decay), MiniCPM (WSD) and
 * "Beyond Cosine Decay" (infinite schedules) in ../shared/docs/research.md.
 */
public sealed interface LearningRateSchedule
        permits LearningRateSchedule.Constant,
                LearningRateSchedule.CosineRewarm,
                LearningRateSchedule.WarmupStableDecay,
                LearningRateSchedule.Infinite {

    /**
     * @param stepInPhase optimizer steps taken since the current phase began (0 for its first step)
     * @param stepsIntoCooldown steps since a cooldown was requested, or -1 when none is under way
     */
    double learningRate(long stepInPhase, long stepsIntoCooldown);

    /** Steps a requested cooldown takes; 0 for schedules that have none. A checkpoint is written when it ends. */
    default long cooldownSteps() {
        return 0;
    }

    /** The same rate for every step. */
    record Constant(double rate) implements LearningRateSchedule {
        @Override
        public double learningRate(long stepInPhase, long stepsIntoCooldown) {
            return rate;
        }
    }

    /**
     * Linear warmup to {@code peak}, cosine decay to {@code min} over {@code decaySteps}, then {@code min}; again each
     * phase.
     */
    record CosineRewarm(double peak, double min, long warmupSteps, long decaySteps) implements LearningRateSchedule {
        @Override
        public double learningRate(long stepInPhase, long stepsIntoCooldown) {
            return WarmupCosine.toFloor(peak, min, warmupSteps, decaySteps).learningRate(stepInPhase);
        }
    }

    /**
     * Warmup, then {@code peak} for as long as the phase lasts (the stable run). A release is "finished" off the stable
     * run by {@link #decayed}: {@code decaySteps} steps from {@code peak} down to {@code min}.
     */
    record WarmupStableDecay(double peak, double min, long warmupSteps, long decaySteps)
            implements LearningRateSchedule {
        @Override
        public double learningRate(long stepInPhase, long stepsIntoCooldown) {
            if (stepsIntoCooldown >= 0) {
                return decayed(stepsIntoCooldown);
            }
            return new WarmupCosine(peak, 1, warmupSteps, 0).learningRate(stepInPhase); // warmup, then the peak
        }

        @Override
        public long cooldownSteps() {
            return decaySteps;
        }

        /** The rate {@code step} steps into a release's decay: linear from peak to min, then min. */
        public double decayed(long step) {
            if (step >= decaySteps) {
                return min;
            }
            return peak + (min - peak) * (step + 1) / (double) decaySteps;
        }
    }

    /**
     * Warmup to {@code peak}, cosine anneal to the constant {@code plateau} over {@code annealSteps}, then the plateau
     * with no end; when a checkpoint is wanted, a cooldown of {@code cooldownSteps} takes the rate linearly to
     * {@code min}, and it stays there until the next phase re-warms.
     */
    record Infinite(double peak, double plateau, double min, long warmupSteps, long annealSteps, long cooldownSteps)
            implements LearningRateSchedule {
        @Override
        public double learningRate(long stepInPhase, long stepsIntoCooldown) {
            if (stepsIntoCooldown >= 0) {
                double from = stableRate(stepInPhase - stepsIntoCooldown);
                return stepsIntoCooldown >= cooldownSteps
                        ? min
                        : from + (min - from) * (stepsIntoCooldown + 1) / (double) cooldownSteps;
            }
            return stableRate(stepInPhase);
        }

        private double stableRate(long stepInPhase) {
            return WarmupCosine.toFloor(peak, plateau, warmupSteps, annealSteps).learningRate(stepInPhase);
        }
    }
}

package dev.cpt.model.train;

/**
 * Linear warmup to {@code peak}, then half a cosine from the peak down to {@code floorFraction * peak} over
 * {@code decaySteps}, then that floor. Stage 0 pre-trains the base with it, and the trainer's schedules warm up and
 * anneal with it each phase.
 *
 * <p>The floor is a fraction of the peak, and the decay is computed as {@code peak * (f + (1 - f) * cosine)}, because
 * stage 0's cached bases were trained with exactly these floating-point operations: its cache key does not cover the
 * arithmetic, so the rates must not move by even one ulp.
 */
public record WarmupCosine(double peak, double floorFraction, long warmupSteps, long decaySteps) {

    /** From {@code peak} down to the rate {@code floor} (a peak of 0 stays 0). */
    public static WarmupCosine toFloor(double peak, double floor, long warmupSteps, long decaySteps) {
        return new WarmupCosine(peak, peak == 0 ? 0 : floor / peak, warmupSteps, decaySteps);
    }

    /** The rate of step {@code step}, counted from 0 at the first warmup step. */
    public double learningRate(long step) {
        return step < warmupSteps ? warmup(step) : decayed(step - warmupSteps);
    }

    /** The rate {@code step} steps into the warmup: a linear ramp whose last step reaches the peak. */
    public double warmup(long step) {
        return peak * (step + 1) / (double) warmupSteps;
    }

    /** The rate {@code step} steps after the warmup: the cosine from the peak to the floor, then the floor. */
    public double decayed(long step) {
        if (decaySteps <= 0 || step >= decaySteps) {
            return peak * floorFraction;
        }
        double progress = (double) step / decaySteps;
        return peak * (floorFraction + (1 - floorFraction) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
}

package dev.cpt.training.schedule;

/**
 * The settings a learning-rate schedule is built from, whatever reads them (trainer-service's {@code
 * cpt.trainer.schedule.*}, a benchmark's flags). Each kind reads only the settings it has: {@code constant} the peak,
 * {@code cosine} and {@code wsd} peak, min, warmup and decay, {@code infinite} peak, plateau, min, warmup, anneal and
 * cooldown.
 */
public record ScheduleSettings(
        Kind kind,
        double peak,
        double min,
        double plateau,
        long warmupSteps,
        long decaySteps,
        long annealSteps,
        long cooldownSteps) {

    /** The schedule's shape; lower case, as the trainer's configuration names them. */
    public enum Kind {
        constant,
        cosine,
        wsd,
        infinite
    }

    /** What trainer-service runs when only its learning rate ({@code peak}) is set: its configuration's defaults. */
    public static ScheduleSettings trainerDefaults(double peak) {
        return new ScheduleSettings(Kind.infinite, peak, 1e-5, 5e-4, 20, 500, 200, 20);
    }

    public LearningRateSchedule schedule() {
        return switch (kind) {
            case constant -> new LearningRateSchedule.Constant(peak);
            case cosine -> new LearningRateSchedule.CosineRewarm(peak, min, warmupSteps, decaySteps);
            case wsd -> new LearningRateSchedule.WarmupStableDecay(peak, min, warmupSteps, decaySteps);
            case infinite ->
                new LearningRateSchedule.Infinite(peak, plateau, min, warmupSteps, annealSteps, cooldownSteps);
        };
    }
}

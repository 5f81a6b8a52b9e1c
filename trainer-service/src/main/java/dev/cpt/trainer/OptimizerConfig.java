package dev.cpt.trainer;

import dev.cpt.model.OptimizerSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * What an optimizer step of the trainer is made of: the AdamW settings of {@code cpt.trainer.optimizer.*}, the peak
 * learning rate and {@code gradient-accumulation-steps}, checked when the trainer starts, so a bad value stops it with
 * the property's name rather than failing the first step.
 */
final class OptimizerConfig {
    private static final String PREFIX = "cpt.trainer.optimizer.";

    private OptimizerConfig() {}

    /**
     * The settings of every optimizer step; each step takes its learning rate from the schedule ({@link
     * OptimizerSettings#withLearningRate}). Throws {@link IllegalArgumentException} naming every bad property.
     */
    static OptimizerSettings of(TrainerConfig config) {
        TrainerConfig.Optimizer o = config.optimizer();
        List<String> problems = new ArrayList<>();
        if (!(config.learningRate() > 0 && Double.isFinite(config.learningRate()))) {
            problems.add("cpt.trainer.learning-rate must be finite and > 0, was " + config.learningRate());
        }
        inUnitInterval(problems, "beta1", o.beta1());
        inUnitInterval(problems, "beta2", o.beta2());
        if (!(o.eps() > 0 && Double.isFinite(o.eps()))) {
            problems.add(PREFIX + "eps must be finite and > 0, was " + o.eps());
        }
        if (!(o.weightDecay() >= 0 && Double.isFinite(o.weightDecay()))) {
            problems.add(PREFIX + "weight-decay must be finite and >= 0, was " + o.weightDecay());
        }
        if (!(o.maxGradNorm() >= 0 && Double.isFinite(o.maxGradNorm()))) {
            problems.add(
                    PREFIX + "max-grad-norm must be finite and >= 0 (0 turns clipping off), was " + o.maxGradNorm());
        }
        if (config.gradientAccumulationSteps() < 1) {
            problems.add(
                    "cpt.trainer.gradient-accumulation-steps must be >= 1, was " + config.gradientAccumulationSteps());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid trainer settings: " + String.join("; ", problems));
        }
        return new OptimizerSettings(
                config.learningRate(), o.weightDecay(), o.beta1(), o.beta2(), o.eps(), o.maxGradNorm());
    }

    private static void inUnitInterval(List<String> problems, String name, double value) {
        if (!(value >= 0 && value < 1)) {
            problems.add(PREFIX + name + " must be in [0, 1), was " + value);
        }
    }
}

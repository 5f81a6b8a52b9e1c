package dev.cpt.trainer;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "cpt.trainer")
public interface TrainerConfig {
    /** Names the training run: its checkpoints live under {@code <store>/<run-id>/} and its events carry it. */
    @WithDefault("demo")
    String runId();

    /** Model size when the run starts from scratch: tiny, small1M or medium10M. */
    @WithDefault("small1M")
    ModelPreset model();

    /** Seed of the initial weights of a run that starts from scratch. */
    @WithDefault("1234")
    long seed();

    /** Peak AdamW learning rate. */
    @WithDefault("1e-3")
    double learningRate();

    /** A checkpoint is written and announced every this many optimizer steps. */
    @WithDefault("50")
    int checkpointEverySteps();

    /** When no batch has come for this long, steps taken since the last checkpoint are checkpointed too. */
    @WithDefault("10s")
    java.time.Duration checkpointWhenIdleAfter();
}

package dev.cpt.mixing.proxy;

import dev.cpt.model.GptConfig;

/**
 * The size of a proxy run: a language model far smaller than the real one, trained on the same kind of packed mixed
 * batches, so that one run of a whole scenario takes seconds on a CPU.
 *
 * @param model the proxy model's shape
 * @param learningRate AdamW step size (constant; high enough that forgetting shows within a few hundred steps)
 * @param batchSize sequences per training step
 * @param pretrainSteps steps on the general domain before any other domain arrives (at least one: the documents
 *     trained on in them are the general domain's replay sample)
 * @param rounds mixing rounds per arriving domain
 * @param stepsPerRound training steps per round (each round = batchSize * stepsPerRound sequences)
 * @param heldoutSequences held-out sequences per domain for every eval
 */
public record ProxyConfig(
        GptConfig model,
        double learningRate,
        int batchSize,
        int pretrainSteps,
        int rounds,
        int stepsPerRound,
        int heldoutSequences) {

    public ProxyConfig {
        if (batchSize < 1 || pretrainSteps < 1 || rounds < 1 || stepsPerRound < 1 || heldoutSequences < 1) {
            throw new IllegalArgumentException("proxy sizes must be positive");
        }
    }

    /** The default proxy: one layer, width 32, context 32; a scenario of general + two domains runs in seconds. */
    public static ProxyConfig standard() {
        return new ProxyConfig(new GptConfig(256, 32, 1, 2, 32), 3e-3, 8, 300, 8, 5, 16);
    }

    /** A smoke-sized proxy for tests. */
    public static ProxyConfig smoke() {
        return new ProxyConfig(new GptConfig(256, 16, 1, 2, 16), 3e-3, 4, 5, 2, 2, 2);
    }

    public int sequenceLength() {
        return model.contextLength() + 1;
    }

    /** Tokens trained in one phase (one arriving domain), whatever the weights; also the tokens the domain brings. */
    public long phaseTokens() {
        return (long) rounds * stepsPerRound * batchSize * sequenceLength();
    }
}

package dev.cpt.reward.encoder;

import dev.cpt.common.Sha256;

/**
 * Everything that determines the encoder the project trains for itself: its shape, the vocabulary budget and the
 * contrastive schedule. Training is seeded, so equal settings on equal corpora give equal encoders.
 *
 * @param hiddenSize width of the encoder (and of the embeddings)
 * @param layers transformer blocks
 * @param heads attention heads per block
 * @param maxPositions longest input in tokens; longer inputs are truncated
 * @param maxVocab WordPiece vocabulary budget
 * @param steps contrastive steps
 * @param batchPairs pairs per step; each pair sees the other pairs' positives as negatives
 * @param learningRate peak AdamW learning rate (linear warm-up over the first 10% of steps, then linear decay)
 * @param temperature InfoNCE temperature
 * @param seed initialisation and pair sampling seed
 */
public record TrainingSettings(
        int hiddenSize,
        int layers,
        int heads,
        int maxPositions,
        int maxVocab,
        int steps,
        int batchPairs,
        double learningRate,
        double temperature,
        long seed) {
    /** Bumped whenever the training code changes what a given setting produces, so stale caches are not reused. */
    static final int CODE_VERSION = 1;

    public TrainingSettings {
        if (steps < 1 || batchPairs < 2 || learningRate <= 0 || temperature <= 0) {
            throw new IllegalArgumentException(
                    "steps >= 1, batchPairs >= 2, learningRate > 0 and temperature > 0 needed: " + this);
        }
    }

    /** The service's default encoder: 0.15M parameters, about 80 CPU-seconds of training (see the README). */
    public static TrainingSettings demo() {
        return new TrainingSettings(64, 2, 4, 96, 1500, 100, 32, 2e-3, 0.05, 42);
    }

    /** A smoke-sized encoder for tests: trains in a few seconds. */
    public static TrainingSettings tiny() {
        return new TrainingSettings(32, 1, 2, 64, 400, 60, 16, 3e-3, 0.05, 42);
    }

    public TrainingSettings withSteps(int n) {
        return new TrainingSettings(
                hiddenSize, layers, heads, maxPositions, maxVocab, n, batchPairs, learningRate, temperature, seed);
    }

    BertConfig model(int vocabSize) {
        return new BertConfig(vocabSize, hiddenSize, layers, heads, 4 * hiddenSize, maxPositions, 2, 1e-12f);
    }

    /** A short stable hash of these settings and the code version, used to name cached encoders. */
    public String cacheKey() {
        return Sha256.hex(CODE_VERSION + ":" + this).substring(0, 16);
    }
}

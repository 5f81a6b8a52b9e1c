package dev.cpt.reward;

import dev.cpt.model.engine.ComputeDevice;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

@ConfigMapping(prefix = "cpt.reward")
public interface RewardConfig {
    /**
     * Longest completion or reference accepted, in characters; longer input is refused (413 / dead letter), not cut.
     */
    @WithDefault("8192")
    int maxTextChars();

    /** Most pairs one {@code POST /score} call may carry. */
    @WithDefault("256")
    int maxBatchSize();

    /**
     * Where the sentence encoder runs (and trains, when it is trained at start-up): auto (a GPU when libtorch finds
     * CUDA, else the CPU, logged), cpu or gpu (refuses to start without one). See {@link ComputeDevice}.
     */
    @WithDefault("auto")
    ComputeDevice device();

    /** The property {@link #device()} is read from, named in its log lines and errors. */
    String DEVICE_SETTING = "cpt.reward.device";

    Encoder encoder();

    Batching batching();

    Terms terms();

    interface Encoder {
        /**
         * A sentence encoder in Hugging Face layout ({@code config.json}, {@code model.safetensors},
         * {@code tokenizer.json}), e.g. written by {@code bin/train-encoder.sh}. When absent, the project's own encoder
         * is
         * trained at start-up, or loaded from {@link #cacheDir()} when an earlier start trained it already.
         */
        Optional<String> dir();

        /** Where the start-up-trained encoder is cached, one sub-directory per training setting. */
        @WithDefault("${java.io.tmpdir}/cpt-reward-encoder")
        String cacheDir();

        /** Which built-in training setting to use when no directory is given: {@code demo} or {@code tiny}. */
        @WithDefault("demo")
        String preset();

        /** Overrides the preset's number of training steps. */
        OptionalInt steps();
    }

    interface Batching {
        /** Most texts embedded in one forward pass. */
        @WithDefault("64")
        int maxTexts();

        /** How long the first text of a batch waits for others to join it. */
        @WithDefault("3ms")
        Duration maxWait();

        /** Texts that may wait for the model; beyond that HTTP gets 503 and Kafka waits (back-pressure). */
        @WithDefault("2048")
        int queueCapacity();

        /** Longest a scoring call waits for its embeddings (and a Kafka request for room in the queue). */
        @WithDefault("30s")
        Duration timeout();
    }

    /**
     * reward = similarity-weight * similarity + format-weight * format + answer-weight * answer - length-weight *
     * length
     */
    interface Terms {
        /** Weight of the cosine similarity between completion and reference embeddings. */
        @WithDefault("1.0")
        double similarityWeight();

        /** Weight of the format check (1 when the completion has the configured form, else 0). */
        @WithDefault("0.0")
        double formatWeight();

        /** Weight of the exact answer match (1 when the completion's last number equals the reference's). */
        @WithDefault("0.0")
        double answerWeight();

        /** Weight of the length penalty (0 up to the allowance, rising to 1 at twice it). */
        @WithDefault("0.0")
        double lengthWeight();

        /**
         * Regular expression the whole (trimmed) completion must match for the format term; default: one line ending in
         * a period.
         */
        @WithDefault(".*[.]")
        String formatPattern();

        /** Most sentences the format term allows. */
        @WithDefault("1")
        int formatMaxSentences();

        /** Completions up to this multiple of the reference's word count are not penalised. */
        @WithDefault("1.5")
        double lengthAllowance();
    }
}

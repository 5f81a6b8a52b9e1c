package dev.cpt.mixer;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

@ConfigMapping(prefix = "cpt.mixer")
public interface MixerConfig {
    /** Model context length: each packed sequence holds up to this many inputs plus one target. */
    @WithDefault("128")
    int contextLength();

    /** Sequences per training batch. */
    @WithDefault("8")
    int batchSize();

    /**
     * Batches per mixing round. The policy chooses weights once per round, and a round's batches and weights are
     * committed in one Kafka transaction; a full round waits for this many batches' worth of fresh sequences.
     */
    @WithDefault("1")
    int batchesPerRound();

    /** When no full round has formed for this long, what is buffered is emitted as a smaller round. */
    @WithDefault("5s")
    Duration flushAfter();

    /** The mixing policy: {@code uniform} (built in) or a name the policy factory of cpt-mixing knows. */
    @WithDefault("uniform")
    String policy();

    /** Parameters of the policy, e.g. {@code cpt.mixer.policy-params.temperature=2}. */
    Map<String, String> policyParams();

    /**
     * Where the replay reservoir and the mixer's ledger (arrival order, tokens trained, eval feedback) are kept across
     * restarts.
     */
    @WithDefault(".cpt/mixer-state")
    String stateDir();

    /**
     * The run's tokenizer: a Hugging Face {@code tokenizer.json} (or a directory holding one, with the files that name
     * its BOS/EOS), the same as ingest's {@code cpt.ingest.tokenizer-file}; unset: bytes of UTF-8. Documents tokenized
     * by another tokenizer go to {@code cpt.dlq.mixer}, and every batch carries this one's fingerprint.
     */
    Optional<String> tokenizerFile();

    /**
     * The token appended after every document: {@code eos}, the tokenizer's end-of-sequence token (none for a
     * tokenizer without one, such as bytes); {@code none}, no token, boundaries only marked in documentStarts; or a
     * token id of the tokenizer (e.g. GPT-2's end-of-text 50256).
     */
    @WithDefault("eos")
    String separatorToken();

    /**
     * Kafka {@code transactional.id} of this mixer. It must stay the same across restarts: the broker then aborts the
     * open transaction a crashed mixer left behind, and fences the old instance.
     */
    @WithDefault("cpt-mixer")
    String transactionalId();

    /** Only eval reports of this run feed the policy; unset: reports of every run. */
    Optional<String> feedbackRun();

    /** Eval feedback kept (and replayed into the policy after a restart), newest last. */
    @WithDefault("256")
    int feedbackHistory();

    /**
     * Weight of forgetting in the policy reward: target-domain loss gain minus this times the mean loss increase on
     * earlier domains.
     */
    @WithDefault("1.0")
    double forgettingWeight();

    /**
     * Rounds whose completed documents are remembered, so that documents the broker redelivers after a crash (their
     * offsets not yet committed) are recognised as trained and skipped.
     */
    @WithDefault("10000")
    int rememberedRounds();

    Reservoir reservoir();

    interface Reservoir {
        /** Keep a replay sample of every domain's trained documents; off: policies see fresh data only. */
        @WithDefault("true")
        boolean enabled();

        /** Documents sampled per domain (reservoir sampling: each trained document is kept with equal probability). */
        @WithDefault("4096")
        int documentsPerDomain();

        /**
         * Tokens of sampled documents held in memory over all domains; the rest is read from the state directory when
         * drawn.
         */
        @WithDefault("2000000")
        long memoryTokens();

        /** Seed of the sampling and of the replay draws, so that a run can be repeated. */
        @WithDefault("42")
        long seed();
    }
}

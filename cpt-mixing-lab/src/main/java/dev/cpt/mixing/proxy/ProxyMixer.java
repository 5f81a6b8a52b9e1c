package dev.cpt.mixing.proxy;

import dev.cpt.common.FileTrees;
import dev.cpt.contracts.PackedSequence;
import dev.cpt.mixing.MixingPolicy;
import dev.cpt.mixing.MixingState;
import dev.cpt.mixing.PhaseTracker;
import dev.cpt.mixing.agent.Features;
import dev.cpt.mixing.rounds.BatchMixer;
import dev.cpt.mixing.rounds.DomainBuffer;
import dev.cpt.mixing.rounds.MixerLedger;
import dev.cpt.mixing.rounds.ReplayReservoir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The mixer's round cutting ({@link BatchMixer}) as a lab run uses it: its ledger and replay reservoir in a state
 * directory, the reservoir at the mixer service's default size; a proxy run has no separator token (the byte tokenizer
 * has none).
 */
public final class ProxyMixer {
    /** The mixer service's default {@code cpt.mixer.reservoir.documents-per-domain}. */
    static final int RESERVOIR_DOCUMENTS = 4096;
    /** The mixer service's default {@code cpt.mixer.reservoir.memory-tokens}: a proxy's whole sample fits. */
    static final long RESERVOIR_MEMORY_TOKENS = 2_000_000;

    private ProxyMixer() {}

    /**
     * A mixer over {@code state}, continuing from what is saved there as a restarted mixer service does.
     *
     * @param feedbackHistory eval feedback the ledger keeps (and the policy's state shows)
     */
    static BatchMixer open(
            Path state, ProxyConfig config, int batchesPerRound, MixingPolicy policy, int feedbackHistory, long seed) {
        return open(
                state,
                new BatchMixer.Shape(
                        config.model().contextLength(), config.batchSize(), batchesPerRound, DomainBuffer.NO_SEPARATOR),
                policy,
                feedbackHistory,
                seed);
    }

    /** As above, for any round shape. */
    public static BatchMixer open(
            Path state, BatchMixer.Shape shape, MixingPolicy policy, int feedbackHistory, long seed) {
        return new BatchMixer(
                shape,
                policy,
                new ReplayReservoir(state.resolve("reservoir"), RESERVOIR_DOCUMENTS, RESERVOIR_MEMORY_TOKENS, seed),
                new MixerLedger(state.resolve("ledger.json"), feedbackHistory),
                seed);
    }

    /**
     * A fresh copy of a mixer's saved state in a new temporary directory, for one run to continue from as a restarted
     * mixer would; the caller deletes the copy's parent.
     */
    public static Path copyState(Path state, String prefix) {
        try {
            Path copy = Files.createTempDirectory(prefix).resolve("mixer");
            FileTrees.copy(state, copy);
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the pre-trained mixer state", e);
        }
    }

    /** A full round the mixer cut, the state it was cut from, and the features a policy saw in that state. */
    public record Next(BatchMixer.Round round, MixingState seen, Features.View view) {}

    /**
     * The mixer's next full round, with the phase tracker moved to its state and the features measured against
     * {@code horizonTokens} (0: the stream's estimate).
     */
    public static Next nextRound(BatchMixer mixer, PhaseTracker phase, double horizonTokens) {
        BatchMixer.Round round = mixer.nextFullRound()
                .orElseThrow(() -> new IllegalStateException("the mixer has no full round buffered"));
        MixingState seen = round.state();
        phase.update(seen);
        return new Next(round, seen, Features.of(seen, phase, horizonTokens));
    }

    /** A round's batch as the model trains on it. */
    static int[][] tokens(List<PackedSequence> batch) {
        return batch.stream().map(PackedSequence::tokens).toArray(int[][]::new);
    }
}

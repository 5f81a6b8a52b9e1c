package dev.cpt.mixing.rounds;

import dev.cpt.contracts.PackedSequence;
import dev.cpt.mixing.Apportionment;
import dev.cpt.mixing.EvalFeedback;
import dev.cpt.mixing.MixingPolicy;
import dev.cpt.mixing.MixingState;
import dev.cpt.mixing.rounds.DomainBuffer.BufferedDocument;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * Per-domain buffers, the replay reservoir, and the rounds cut from them. A round asks the policy for weights over
 * every domain with data (fresh, or in the reservoir), checks them, and takes whole sequences in those proportions:
 * a domain's fresh tokens first, then replay drawn from its sample. A full round waits for a round's worth of fresh
 * sequences; a flush takes what is left, short tails included. Every round carries at least one fresh sequence, so
 * no policy can stall the stream. Framework-free and not thread-safe: the service serialises calls.
 */
public final class BatchMixer {
    private final Shape shape;
    private final MixingPolicy policy;
    private final ReplayReservoir reservoir; // null: replay off
    private final MixerLedger ledger;
    private final long seed;
    private final Map<String, DomainBuffer> buffers = new TreeMap<>();

    /** Sizes: sequences of contextLength + 1 tokens, batchSize per batch, batchesPerRound per round. */
    public record Shape(int contextLength, int batchSize, int batchesPerRound, int separator) {
        public int sequenceLength() {
            return contextLength + 1;
        }

        public int roundSize() {
            return batchSize * batchesPerRound;
        }
    }

    /**
     * One round: its batches, the weights that chose them, why the policy's own weights were refused, the documents it
     * completed, what each domain is owed once it is committed, and the state the policy chose the weights from. Owed sequences carry the fraction a round cannot
     * give from one round to the next: without them a round of 8 sequences turns replay 0.3 into 2 sequences every
     * round, 0.25 for good. The ledger adopts them only on commit, so a round that never commits moves nothing.
     */
    public record Round(
            long round,
            String policy,
            Map<String, Double> weights,
            String refusal,
            List<List<PackedSequence>> batches,
            List<BufferedDocument> completed,
            Map<String, Double> owedAfter,
            MixingState state) {

        public boolean fallback() {
            return refusal != null;
        }

        public Map<String, Long> freshTokens() {
            return tokens(false);
        }

        public Map<String, Long> replayTokens() {
            return tokens(true);
        }

        public double replayShare() {
            return BatchMixer.replayShare(batches.stream().flatMap(List::stream).toList());
        }

        private Map<String, Long> tokens(boolean replay) {
            Map<String, Long> m = new TreeMap<>();
            batches.stream()
                    .flatMap(List::stream)
                    .filter(s -> s.replay() == replay)
                    .forEach(s -> m.merge(s.domain(), (long) s.tokens().length, Long::sum));
            return m;
        }
    }

    public BatchMixer(Shape shape, MixingPolicy policy, ReplayReservoir reservoir, MixerLedger ledger, long seed) {
        this.shape = shape;
        this.policy = policy;
        this.reservoir = reservoir;
        this.ledger = ledger;
        this.seed = seed;
    }

    /** One batch per round, no replay, nothing kept on disk. */
    public BatchMixer(int contextLength, int batchSize, MixingPolicy policy) {
        this(
                new Shape(contextLength, batchSize, 1, DomainBuffer.NO_SEPARATOR),
                policy,
                null,
                new MixerLedger(null, 64),
                0);
    }

    public void add(String domain, String documentId, int[] tokens, Runnable release) {
        ledger.arrived(domain);
        buffers.computeIfAbsent(domain, d -> new DomainBuffer(d, shape.separator()))
                .add(documentId, tokens, release);
    }

    /** Fresh tokens waiting per domain. */
    public Map<String, Integer> bufferedTokens() {
        Map<String, Integer> m = new TreeMap<>();
        buffers.forEach((d, b) -> m.put(d, b.bufferedTokens()));
        return m;
    }

    /** The next round, if a round's worth of whole fresh sequences is buffered. */
    public Optional<Round> nextFullRound() {
        Map<String, Integer> fresh = freshSequences(b -> b.fullSequences(shape.sequenceLength()));
        return total(fresh) < shape.roundSize() ? Optional.empty() : Optional.of(cut(fresh, shape.roundSize()));
    }

    /** Whether {@link #nextFullRound} would cut a round now; asks the policy nothing. */
    public boolean hasFullRound() {
        return total(freshSequences(b -> b.fullSequences(shape.sequenceLength()))) >= shape.roundSize();
    }

    /**
     * A round from whatever fresh data is buffered (tails shorter than a sequence too), or empty when none can train.
     */
    public Optional<Round> flush() {
        Map<String, Integer> fresh = freshSequences(b -> b.flushSequences(shape.sequenceLength()));
        return total(fresh) == 0 ? Optional.empty() : Optional.of(cut(fresh, -1));
    }

    /** The round is on the broker: count its tokens, remember its weights, and sample its documents for replay. */
    public void committed(Round round) {
        ledger.committed(round.round(), round.weights(), round.freshTokens(), round.replayTokens(), round.owedAfter());
        if (reservoir != null) {
            round.completed().forEach(d -> reservoir.offer(d.domain(), d.id(), d.tokens()));
            reservoir.persist();
        }
    }

    /** Eval measured a checkpoint: the policy learns from it, unless it is a report already seen. */
    public boolean observe(EvalFeedback feedback) {
        if (!ledger.observe(feedback)) {
            return false;
        }
        policy.observe(feedback);
        return true;
    }

    /** After a restart: the feedback the policy had seen, in order, so an online policy rebuilds its state. */
    public void replayFeedback() {
        ledger.feedback().forEach(policy::observe);
    }

    public MixerLedger ledger() {
        return ledger;
    }

    public String policyName() {
        return policy.name();
    }

    private Round cut(Map<String, Integer> fresh, int fixedSize) {
        Map<String, Integer> replay = replaySequences();
        Map<String, Integer> available = new TreeMap<>(fresh);
        replay.forEach((d, n) -> available.merge(d, n, Integer::sum));
        long round = ledger.nextRound();

        MixingState state = state(round, available);
        WeightsCheck.Checked checked = WeightsCheck.check(policy.weights(state), available.keySet());
        Map<String, Double> weights = checked.weights();
        int size = fixedSize > 0 ? fixedSize : flushSize(weights, fresh);
        Map<String, Integer> counts = Apportionment.counts(weights, ledger.owed(), available, size);
        ensureFresh(counts, weights, fresh, replay);

        SplittableRandom rng = new SplittableRandom(seed ^ (round * 0x9E3779B97F4A7C15L));
        Map<String, List<PackedSequence>> perDomain = new TreeMap<>();
        List<BufferedDocument> completed = new ArrayList<>();
        counts.forEach((domain, count) -> {
            List<PackedSequence> sequences = new ArrayList<>();
            int fromBuffer = Math.min(count, fresh.getOrDefault(domain, 0));
            for (int i = 0; i < fromBuffer; i++) {
                DomainBuffer.Cut c = buffers.get(domain).cut(shape.sequenceLength());
                sequences.add(c.sequence());
                completed.addAll(c.completed());
            }
            for (int i = fromBuffer; i < count; i++) {
                sequences.add(reservoir.draw(domain, shape.sequenceLength(), shape.separator(), rng));
            }
            perDomain.put(domain, sequences);
        });
        return new Round(
                round,
                policy.name(),
                weights,
                checked.refusal(),
                batches(interleave(perDomain)),
                completed,
                owedAfter(ledger.owed(), weights, counts, size),
                state);
    }

    /** Only domains with weight stay owed, and never more than a sequence either way. */
    private static Map<String, Double> owedAfter(
            Map<String, Double> owed, Map<String, Double> weights, Map<String, Integer> counts, int size) {
        Map<String, Double> next = new TreeMap<>();
        weights.forEach((d, w) -> {
            if (w > 0) {
                double left = owed.getOrDefault(d, 0.0) + w * size - counts.getOrDefault(d, 0);
                next.put(d, Math.max(-1, Math.min(1, left)));
            }
        });
        return next;
    }

    private MixingState state(long round, Map<String, Integer> available) {
        Map<String, Long> availableTokens = new TreeMap<>();
        Map<String, Long> freshTokens = new TreeMap<>();
        for (String d : available.keySet()) {
            long buffered = buffers.containsKey(d) ? buffers.get(d).bufferedTokens() : 0;
            freshTokens.put(d, buffered);
            availableTokens.put(d, buffered + (reservoir == null ? 0 : reservoir.tokens(d)));
        }
        return new MixingState(
                round,
                ledger.arrivalOrder(),
                availableTokens,
                freshTokens,
                ledger.trainedTokens(),
                ledger.previousWeights(),
                ledger.feedback());
    }

    private Map<String, Integer> freshSequences(ToIntFunction<DomainBuffer> count) {
        Map<String, Integer> m = new TreeMap<>();
        buffers.forEach((d, b) -> {
            int n = count.applyAsInt(b);
            if (n > 0) {
                m.put(d, n);
            }
        });
        return m;
    }

    /**
     * Replay sequences a round may draw per domain: as many as the sample holds, so a round does not repeat a small
     * sample.
     */
    private Map<String, Integer> replaySequences() {
        Map<String, Integer> m = new TreeMap<>();
        if (reservoir != null) {
            for (String d : reservoir.domains()) {
                long tokens = reservoir.tokens(d);
                if (tokens >= 2) {
                    m.put(d, (int) Math.max(1, Math.min(Integer.MAX_VALUE, tokens / shape.sequenceLength())));
                }
            }
        }
        return m;
    }

    /**
     * A flush round is as large as the fresh data left allows at the chosen weights: if the weights give fresh
     * domains a share f, the fresh sequences F make a round of F / f, so replay keeps its share and no more.
     */
    private int flushSize(Map<String, Double> weights, Map<String, Integer> fresh) {
        double freshShare = weights.entrySet().stream()
                .filter(e -> fresh.containsKey(e.getKey()))
                .mapToDouble(Map.Entry::getValue)
                .sum();
        int freshTotal = total(fresh);
        if (freshShare <= 0) {
            return Math.min(shape.roundSize(), freshTotal);
        }
        return (int) Math.max(1, Math.min(shape.roundSize(), Math.ceil(freshTotal / freshShare - 1e-9)));
    }

    /** A round without a fresh sequence would leave the stream where it was: one sequence of it becomes fresh. */
    private void ensureFresh(
            Map<String, Integer> counts,
            Map<String, Double> weights,
            Map<String, Integer> fresh,
            Map<String, Integer> replay) {
        boolean hasFresh =
                counts.entrySet().stream().anyMatch(e -> fresh.getOrDefault(e.getKey(), 0) > 0 && e.getValue() > 0);
        if (hasFresh || fresh.isEmpty()) {
            return;
        }
        String domain = fresh.keySet().stream()
                .max(Comparator.<String>comparingDouble(d -> weights.getOrDefault(d, 0.0))
                        .thenComparingInt(fresh::get))
                .orElseThrow();
        counts.merge(domain, 1, Integer::sum);
        // Keep the round's size: one replay sequence of the most replayed domain makes room.
        counts.entrySet().stream()
                .filter(e -> !e.getKey().equals(domain) && replay.containsKey(e.getKey()))
                .max(Map.Entry.comparingByValue())
                .ifPresent(e -> counts.merge(e.getKey(), -1, Integer::sum));
        counts.values().removeIf(c -> c == 0);
    }

    /**
     * Spreads each domain's sequences evenly over the round (keeping each domain's order), so every batch holds the
     * mix.
     */
    private static List<PackedSequence> interleave(Map<String, List<PackedSequence>> perDomain) {
        record Keyed(double key, String domain, PackedSequence sequence) {}
        List<Keyed> all = new ArrayList<>();
        perDomain.forEach((d, list) -> {
            for (int i = 0; i < list.size(); i++) {
                all.add(new Keyed((i + 0.5) / list.size(), d, list.get(i)));
            }
        });
        all.sort(Comparator.comparingDouble(Keyed::key).thenComparing(Keyed::domain));
        return all.stream().map(Keyed::sequence).toList();
    }

    private List<List<PackedSequence>> batches(List<PackedSequence> sequences) {
        List<List<PackedSequence>> batches = new ArrayList<>();
        for (int from = 0; from < sequences.size(); from += shape.batchSize()) {
            batches.add(List.copyOf(sequences.subList(from, Math.min(sequences.size(), from + shape.batchSize()))));
        }
        return batches;
    }

    /** Share of the tokens drawn from the replay reservoir. */
    public static double replayShare(List<PackedSequence> sequences) {
        long replay = sequences.stream()
                .filter(PackedSequence::replay)
                .mapToLong(s -> s.tokens().length)
                .sum();
        long all = sequences.stream().mapToLong(s -> s.tokens().length).sum();
        return all == 0 ? 0 : (double) replay / all;
    }

    private static int total(Map<String, Integer> counts) {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }
}

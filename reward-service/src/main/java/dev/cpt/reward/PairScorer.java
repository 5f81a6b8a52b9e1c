package dev.cpt.reward;

import dev.cpt.reward.encoder.SentenceEncoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Scores (completion, reference) pairs: each distinct text is embedded once through the micro-batcher (so texts from
 * concurrent callers share forward passes), then the terms and the reward are computed per pair. Framework-free.
 */
public final class PairScorer {
    public record Pair(String completion, String reference) {}

    public record Scored(double reward, Map<String, Double> terms) {}

    /** The embeddings did not arrive in time. */
    public static final class ScoringTimeoutException extends RuntimeException {
        ScoringTimeoutException(String message) {
            super(message);
        }
    }

    private final MicroBatcher<String, float[]> embeddings;
    private final RewardTerms terms;
    private final Duration timeout;

    public PairScorer(MicroBatcher<String, float[]> embeddings, RewardTerms terms, Duration timeout) {
        this.embeddings = embeddings;
        this.terms = terms;
        this.timeout = timeout;
    }

    /**
     * One score per pair, in order.
     *
     * @param waitForRoom wait (up to the timeout) when the queue is full instead of failing at once
     */
    public List<Scored> score(List<Pair> pairs, boolean waitForRoom) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, CompletableFuture<float[]>> byText = new LinkedHashMap<>();
        for (Pair p : pairs) {
            for (String text : List.of(p.completion(), p.reference())) {
                if (!byText.containsKey(text)) {
                    byText.put(text, waitForRoom ? embeddings.submitWaiting(text, timeout) : embeddings.submit(text));
                }
            }
        }
        List<Scored> out = new ArrayList<>(pairs.size());
        for (Pair p : pairs) {
            // identical texts share one embedding, so their cosine is 1 up to rounding
            double similarity = SentenceEncoder.cosine(
                    await(byText.get(p.completion()), deadline), await(byText.get(p.reference()), deadline));
            Map<String, Double> t = terms.terms(p.completion(), p.reference(), similarity);
            out.add(new Scored(terms.reward(t), t));
        }
        return out;
    }

    private float[] await(CompletableFuture<float[]> f, long deadline) throws InterruptedException {
        try {
            return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new ScoringTimeoutException("no embedding within " + timeout);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }
}

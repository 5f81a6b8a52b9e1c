package dev.cpt.reward;

import dev.cpt.reward.encoder.SentenceEncoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Scores (completion, reference) pairs: each distinct text goes through the micro-batcher once (texts from concurrent
 * callers share forward passes, and a text several of them send is embedded once per batch), then the terms and the
 * reward are computed per pair. Framework-free.
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
     * @param othersFollow whether texts of other callers belong in the same forward pass (the requests of one rollout
     *     group arrive as separate Kafka records): then the batch waits up to the batcher's maxWait for them; else
     *     these pairs are the whole call and the batch runs once they are queued
     */
    public List<Scored> score(List<Pair> pairs, boolean waitForRoom, boolean othersFollow) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> distinct = new LinkedHashSet<>();
        for (Pair p : pairs) {
            distinct.add(p.completion());
            distinct.add(p.reference());
        }
        List<String> texts = List.copyOf(distinct);
        Map<String, CompletableFuture<float[]>> byText = new HashMap<>();
        if (othersFollow) {
            for (String text : texts) {
                byText.put(text, waitForRoom ? embeddings.submitWaiting(text, timeout) : embeddings.submit(text));
            }
        } else {
            List<CompletableFuture<float[]>> futures = embeddings.submitAll(texts, waitForRoom ? timeout : null);
            for (int i = 0; i < texts.size(); i++) {
                byText.put(texts.get(i), futures.get(i));
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

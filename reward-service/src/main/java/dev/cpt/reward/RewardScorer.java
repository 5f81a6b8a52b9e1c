package dev.cpt.reward;

import static dev.cpt.contracts.metrics.Metrics.REWARD_LATENCY;
import static dev.cpt.contracts.metrics.Metrics.REWARD_REJECTS;
import static dev.cpt.contracts.metrics.Metrics.REWARD_REQUESTS;
import static dev.cpt.contracts.metrics.Metrics.REWARD_SCORE;
import static dev.cpt.contracts.metrics.Metrics.REWARD_TERM;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.RewardRequest;
import dev.cpt.contracts.RewardResponse;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

/**
 * Checks input bounds, scores pairs through the {@link PairScorer}, and counts what it scored and what it refused.
 * {@code source} is {@code http} or {@code kafka}.
 */
@ApplicationScoped
public class RewardScorer {
    private final RewardConfig config;
    private final MeterRegistry registry;
    private final PairScorer scorer;
    private final DistributionSummary rewards;

    RewardScorer(RewardConfig config, MeterRegistry registry, RewardModel model) {
        this.config = config;
        this.registry = registry;
        this.scorer = new PairScorer(
                model.batcher(),
                RewardTerms.from(config.terms()),
                config.batching().timeout());
        this.rewards = DistributionSummary.builder(REWARD_SCORE.name())
                .description("Rewards given (weighted sum of the terms)")
                .register(registry);
    }

    /** Reads a Kafka request; a malformed one is counted and rethrown (it goes to the dead-letter topic). */
    public RewardRequest read(String json) {
        try {
            return Json.read(json, RewardRequest.class);
        } catch (RuntimeException e) {
            reject("kafka", "malformed");
            throw e;
        }
    }

    public RewardResponse score(RewardRequest request) throws InterruptedException {
        // Kafka waits for room in the queue: back-pressure instead of a dead letter for a burst; the other requests of
        // the rollout group follow as their own records, and the batch waits for them
        PairScorer.Scored s = score(
                        List.of(new PairScorer.Pair(request.completion(), request.reference())), "kafka", true, true)
                .get(0);
        return new RewardResponse(request.requestId(), request.groupId(), s.reward(), s.terms());
    }

    /** See {@link PairScorer#score}; {@code source} tags the meters. */
    public List<PairScorer.Scored> score(
            List<PairScorer.Pair> pairs, String source, boolean waitForRoom, boolean othersFollow)
            throws InterruptedException {
        long started = System.nanoTime();
        try {
            check(pairs);
            List<PairScorer.Scored> scored = scorer.score(pairs, waitForRoom, othersFollow);
            registry.counter(REWARD_REQUESTS.name(), "source", source).increment(pairs.size());
            for (PairScorer.Scored s : scored) {
                rewards.record(s.reward());
                s.terms()
                        .forEach((term, value) -> DistributionSummary.builder(REWARD_TERM.name())
                                .description("Raw value of each reward term")
                                .tag("term", term)
                                .register(registry)
                                .record(value));
            }
            return scored;
        } catch (InputTooLongException e) {
            reject(source, "too_long");
            throw e;
        } catch (IllegalArgumentException e) {
            reject(source, "bad_input");
            throw e;
        } catch (RejectedExecutionException e) {
            reject(source, "queue_full");
            throw e;
        } catch (PairScorer.ScoringTimeoutException e) {
            reject(source, "timeout");
            throw e;
        } finally {
            Timer.builder(REWARD_LATENCY.name())
                    .description("Time to score one HTTP call or one Kafka request")
                    .tag("source", source)
                    .register(registry)
                    .record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    private void check(List<PairScorer.Pair> pairs) {
        if (pairs == null || pairs.isEmpty()) {
            throw new IllegalArgumentException("the request holds no pairs to score");
        }
        if (pairs.size() > config.maxBatchSize()) {
            throw new InputTooLongException(pairs.size() + " pairs, the limit is " + config.maxBatchSize());
        }
        for (int i = 0; i < pairs.size(); i++) {
            PairScorer.Pair p = pairs.get(i);
            if (p == null) {
                throw new IllegalArgumentException("pair " + i + " is null");
            }
            checkText(i, "completion", p.completion());
            checkText(i, "reference", p.reference());
        }
    }

    private void checkText(int index, String field, String text) {
        if (text == null) {
            throw new IllegalArgumentException("pair " + index + ": " + field + " is missing");
        }
        if (text.length() > config.maxTextChars()) {
            throw new InputTooLongException("pair " + index + ": " + field + " is " + text.length()
                    + " characters, the limit is " + config.maxTextChars());
        }
    }

    private void reject(String source, String reason) {
        registry.counter(REWARD_REJECTS.name(), "source", source, "reason", reason)
                .increment();
    }
}

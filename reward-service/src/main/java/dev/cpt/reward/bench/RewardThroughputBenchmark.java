package dev.cpt.reward.bench;

import dev.cpt.reward.MicroBatcher;
import dev.cpt.reward.PairScorer;
import dev.cpt.reward.RewardTerms;
import dev.cpt.reward.encoder.ContrastivePairs;
import dev.cpt.reward.encoder.EncoderTrainer;
import dev.cpt.reward.encoder.SentenceEncoder;
import dev.cpt.reward.encoder.TrainingSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * In-process reward throughput: the same encoder, micro-batcher and {@link PairScorer} the service runs, without HTTP
 * or
 * Kafka. Phase 1 sends groups of {@code --group} completions (one shared reference, as a GRPO rollout group) at a
 * steady {@code --rate} groups/s, after {@code --warmup-seconds} at that rate unrecorded, and reports the latency of a
 * whole group (p50/p99) and the texts/s scored. Phase 2
 * runs {@code --clients} closed-loop clients to find the saturated texts/s.
 *
 * <p>{@code --encoder DIR} loads an encoder; otherwise the service's default one is loaded from (or trained into)
 * {@code --cache DIR}.
 */
public final class RewardThroughputBenchmark {
    private RewardThroughputBenchmark() {}

    public static void main(String[] args) throws Exception {
        String encoderDir = null;
        String cache = System.getProperty("java.io.tmpdir") + "/cpt-reward-encoder";
        double rate = 20;
        int seconds = 15;
        int group = 8;
        int clients = 8;
        int maxTexts = 64;
        int maxWaitMs = 3;
        int warmupSeconds = 10;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--encoder" -> encoderDir = args[++i];
                case "--cache" -> cache = args[++i];
                case "--rate" -> rate = Double.parseDouble(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--group" -> group = Integer.parseInt(args[++i]);
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--max-texts" -> maxTexts = Integer.parseInt(args[++i]);
                case "--max-wait-ms" -> maxWaitMs = Integer.parseInt(args[++i]);
                case "--warmup-seconds" -> warmupSeconds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        try (SentenceEncoder encoder = encoderDir != null
                ? SentenceEncoder.load(Path.of(encoderDir))
                : EncoderTrainer.loadOrTrain(Path.of(cache), TrainingSettings.demo(), System.out::println)) {
            AtomicLong texts = new AtomicLong();
            AtomicLong batches = new AtomicLong();
            AtomicLong failures = new AtomicLong();
            try (MicroBatcher<String, float[]> batcher = new MicroBatcher<>(
                    "bench",
                    maxTexts,
                    Duration.ofMillis(maxWaitMs),
                    100_000,
                    t -> Arrays.asList(encoder.embed(t)),
                    n -> {
                        texts.addAndGet(n);
                        batches.incrementAndGet();
                    })) {
                PairScorer scorer = new PairScorer(
                        batcher,
                        new RewardTerms(new RewardTerms.Weights(1, 0, 0, 0), ".*[.]", 1, 1.5),
                        Duration.ofSeconds(60));
                List<List<PairScorer.Pair>> groups = groups(group, 200);
                System.out.printf(
                        Locale.ROOT,
                        "encoder %s, %d parameters; micro-batch <= %d texts, wait %d ms%n",
                        encoder.config(),
                        encoder.parameterCount(),
                        maxTexts,
                        maxWaitMs);
                // warm-up at the steady rate, unrecorded: the first seconds of a JVM compile the hot paths on the
                // same two cores, and a service's latency is that of the compiled code it runs for hours
                steady(scorer, groups, rate, warmupSeconds, new AtomicLong());
                texts.set(0);
                batches.set(0);
                long started = System.nanoTime();
                Collection<Long> latencies = steady(scorer, groups, rate, seconds, failures);
                System.out.println(String.format(
                                Locale.ROOT,
                                "RESULT phase=steady rate_groups_per_s=%.1f group=%d warmup_s=%d failures=%d ",
                                rate,
                                group,
                                warmupSeconds,
                                failures.get())
                        + figures(latencies, started, texts, batches));
                texts.set(0);
                batches.set(0);
                saturated(scorer, groups, clients, seconds, texts, batches);
            }
        }
    }

    /** Sends a group every 1/rate s for {@code seconds}; returns each group's latency, counting failures. */
    private static Collection<Long> steady(
            PairScorer scorer, List<List<PairScorer.Pair>> groups, double rate, int seconds, AtomicLong failures)
            throws InterruptedException {
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        ExecutorService callers = Executors.newCachedThreadPool();
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        AtomicLong sent = new AtomicLong();
        clock.scheduleAtFixedRate(
                () -> {
                    List<PairScorer.Pair> g = groups.get((int) (sent.getAndIncrement() % groups.size()));
                    callers.execute(() -> {
                        long t0 = System.nanoTime();
                        try {
                            scorer.score(g, true, false);
                            latencies.add(System.nanoTime() - t0);
                        } catch (Exception e) {
                            failures.incrementAndGet();
                        }
                    });
                },
                0,
                (long) (1e9 / rate),
                TimeUnit.NANOSECONDS);
        Thread.sleep(seconds * 1000L);
        clock.shutdownNow();
        callers.shutdown();
        callers.awaitTermination(60, TimeUnit.SECONDS);
        return latencies;
    }

    private static void saturated(
            PairScorer scorer,
            List<List<PairScorer.Pair>> groups,
            int clients,
            int seconds,
            AtomicLong texts,
            AtomicLong batches)
            throws InterruptedException {
        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        long started = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            int offset = c;
            Thread t = new Thread(() -> {
                int i = offset;
                while (running.get()) {
                    long t0 = System.nanoTime();
                    try {
                        scorer.score(groups.get(i++ % groups.size()), true, false);
                        latencies.add(System.nanoTime() - t0);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        Thread.sleep(seconds * 1000L);
        running.set(false);
        for (Thread t : threads) {
            t.join();
        }
        System.out.println(String.format(Locale.ROOT, "RESULT phase=saturated clients=%d ", clients)
                + figures(latencies, started, texts, batches));
    }

    /** The figures both phases print: groups scored, texts/s since {@code started}, mean batch, latency p50 and p99. */
    private static String figures(Collection<Long> latencies, long started, AtomicLong texts, AtomicLong batches) {
        double elapsed = (System.nanoTime() - started) / 1e9;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return String.format(
                Locale.ROOT,
                "groups=%d texts_per_s=%.1f mean_batch=%.1f p50_ms=%.1f p99_ms=%.1f",
                sorted.size(),
                texts.get() / elapsed,
                texts.get() / (double) Math.max(1, batches.get()),
                pct(sorted, 0.50),
                pct(sorted, 0.99));
    }

    /** Groups of completions sharing one reference, like the rollouts of one GRPO prompt. */
    private static List<List<PairScorer.Pair>> groups(int size, int count) {
        ContrastivePairs pairs = ContrastivePairs.heldOut(ContrastivePairs.builtInCorpus());
        Random rng = new Random(11);
        List<List<PairScorer.Pair>> out = new ArrayList<>();
        for (int g = 0; g < count; g++) {
            List<ContrastivePairs.Pair> sample = pairs.batch(size, rng);
            String reference = sample.get(0).positive();
            out.add(sample.stream()
                    .map(p -> new PairScorer.Pair(p.anchor(), reference))
                    .toList());
        }
        return out;
    }

    private static double pct(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1)) / 1e6;
    }
}

package dev.cpt.reward;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * Collects items that arrive within {@code maxWait} of each other into one call of {@code batchFunction} (at most
 * {@code maxBatch} items), on one worker thread, and hands each caller its own result. The queue is bounded: a full
 * queue refuses ({@link #submit}) or makes the caller wait for room ({@link #submitWaiting}), so a burst cannot grow
 * memory without limit.
 *
 * <p>Equal items ({@code equals}) in one batch are passed to {@code batchFunction} once, and their callers share that
 * result: the requests of a rollout group, each its own Kafka record, all carry the group's reference text, which is
 * then embedded once per batch rather than once per request.
 *
 * <p>A caller that hands over all its items at once ({@link #submitAll}) does not pay the wait: once its last item is
 * taken and nothing else is queued, the batch runs. The wait is for callers that arrive one item at a time (the
 * requests of one rollout group, each its own Kafka record), which it lets meet in one batch.
 *
 * <p>Framework-free: the service, the benchmark and the tests use it as is.
 */
public final class MicroBatcher<I, O> implements AutoCloseable {
    /** {@code lastOfCall}: the last item a {@link #submitAll} caller handed over; after it, no more are coming. */
    private record Job<I, O>(I item, CompletableFuture<O> result, boolean lastOfCall) {}

    private final BlockingQueue<Job<I, O>> queue;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final Function<List<I>, List<O>> batchFunction;
    private final IntConsumer batchSizes;
    private final Thread worker;
    private volatile boolean closed;

    /**
     * @param batchFunction called with 1..maxBatch distinct items, must return one result per item in the same order
     * @param batchSizes told the number of distinct items of every batch run (for metrics)
     */
    public MicroBatcher(
            String name,
            int maxBatch,
            Duration maxWait,
            int capacity,
            Function<List<I>, List<O>> batchFunction,
            IntConsumer batchSizes) {
        if (maxBatch < 1 || capacity < 1 || maxWait.isNegative()) {
            throw new IllegalArgumentException("maxBatch and capacity must be >= 1 and maxWait >= 0");
        }
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWait.toNanos();
        this.batchFunction = batchFunction;
        this.batchSizes = batchSizes;
        this.worker = new Thread(this::run, name);
        worker.setDaemon(true);
        worker.start();
    }

    /** Queues one item; fails at once with {@link RejectedExecutionException} when the queue is full. */
    public CompletableFuture<O> submit(I item) {
        Job<I, O> job = open(item, false);
        offer(job);
        return job.result;
    }

    /** Queues one item, waiting up to {@code timeout} for room in the queue. */
    public CompletableFuture<O> submitWaiting(I item, Duration timeout) throws InterruptedException {
        Job<I, O> job = open(item, false);
        offerWaiting(job, timeout);
        return job.result;
    }

    /**
     * Queues every item of one call, in order; the worker does not wait for other callers after the last of them.
     * When the queue has no room, fails at once ({@code timeout} null) or waits up to {@code timeout} per item; items
     * queued before the refusal are still scored.
     */
    public List<CompletableFuture<O>> submitAll(List<I> items, Duration timeout) throws InterruptedException {
        List<CompletableFuture<O>> results = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            Job<I, O> job = open(items.get(i), i == items.size() - 1);
            if (timeout == null) {
                offer(job);
            } else {
                offerWaiting(job, timeout);
            }
            results.add(job.result);
        }
        return results;
    }

    private void offer(Job<I, O> job) {
        if (!queue.offer(job)) {
            throw new RejectedExecutionException("the scoring queue is full ("
                    + (queue.size() + queue.remainingCapacity()) + " texts waiting); retry later");
        }
    }

    private void offerWaiting(Job<I, O> job, Duration timeout) throws InterruptedException {
        if (!queue.offer(job, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            throw new RejectedExecutionException("no room in the scoring queue within " + timeout);
        }
    }

    private Job<I, O> open(I item, boolean lastOfCall) {
        if (closed) {
            throw new RejectedExecutionException("the batcher is closed");
        }
        return new Job<>(item, new CompletableFuture<>(), lastOfCall);
    }

    /** Items waiting for the worker. */
    public int queued() {
        return queue.size();
    }

    private void run() {
        List<Job<I, O>> batch = new ArrayList<>(maxBatch);
        while (!closed) {
            try {
                // block for the first item, then give later ones up to maxWait to join it, unless the caller of the
                // item just taken has handed over everything and nobody else is waiting
                batch.add(queue.take());
                long deadline = System.nanoTime() + maxWaitNanos;
                while (batch.size() < maxBatch) {
                    boolean callComplete = batch.get(batch.size() - 1).lastOfCall();
                    Job<I, O> next = callComplete
                            ? queue.poll()
                            : queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
            } catch (InterruptedException e) {
                failAll(batch, new RejectedExecutionException("the batcher was closed"));
                break;
            }
            runBatch(batch);
            batch.clear();
        }
        List<Job<I, O>> left = new ArrayList<>();
        queue.drainTo(left);
        failAll(left, new RejectedExecutionException("the batcher was closed"));
    }

    private void runBatch(List<Job<I, O>> batch) {
        Map<I, Integer> positions = new LinkedHashMap<>();
        for (Job<I, O> job : batch) {
            positions.putIfAbsent(job.item(), positions.size());
        }
        List<I> items = List.copyOf(positions.keySet());
        try {
            List<O> results = batchFunction.apply(items);
            if (results.size() != items.size()) {
                throw new IllegalStateException(
                        "batch function returned " + results.size() + " results for " + items.size() + " items");
            }
            batchSizes.accept(items.size());
            for (Job<I, O> job : batch) {
                job.result.complete(results.get(positions.get(job.item())));
            }
        } catch (RuntimeException | Error e) {
            // one bad batch fails its own callers only; the worker goes on with the next
            failAll(batch, e);
        }
    }

    private static <I, O> void failAll(List<Job<I, O>> jobs, Throwable cause) {
        jobs.forEach(j -> j.result.completeExceptionally(cause));
    }

    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        try {
            worker.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.cpt.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MicroBatcherTest {

    @Test
    void concurrentCallersShareBatchesAndEachGetsItsOwnResult() throws Exception {
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        try (var batcher = new MicroBatcher<Integer, String>(
                "test",
                8,
                Duration.ofMillis(200),
                100,
                items -> items.stream().map(i -> "r" + i).toList(),
                sizes::add)) {
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<String>> results = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            List<CompletableFuture<CompletableFuture<String>>> submitted = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int item = i;
                var handle = new CompletableFuture<CompletableFuture<String>>();
                submitted.add(handle);
                Thread t = new Thread(() -> {
                    try {
                        start.await();
                        handle.complete(batcher.submit(item));
                    } catch (InterruptedException e) {
                        handle.completeExceptionally(e);
                    }
                });
                t.start();
                threads.add(t);
            }
            start.countDown();
            for (var h : submitted) {
                results.add(h.get(10, TimeUnit.SECONDS));
            }
            for (int i = 0; i < 20; i++) {
                assertEquals("r" + i, results.get(i).get(10, TimeUnit.SECONDS));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(20, sizes.stream().mapToInt(Integer::intValue).sum());
            assertTrue(sizes.stream().allMatch(s -> s <= 8), "no batch above the maximum: " + sizes);
            assertTrue(sizes.size() < 20, "items arriving together share a batch: " + sizes);
        }
    }

    @Test
    void aCallerThatHandsOverAllItsItemsDoesNotWaitForOthers() throws Exception {
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        try (var batcher = waitingAnHour(batches)) {
            List<CompletableFuture<Integer>> results = batcher.submitAll(List.of(1, 2, 3), null);
            for (int i = 0; i < 3; i++) {
                assertEquals(i + 1, results.get(i).get(10, TimeUnit.SECONDS));
            }
            assertEquals(List.of(List.of(1, 2, 3)), batches, "one batch of the whole call");
        }
    }

    @Test
    void aLoneItemStillWaitsForOthersToJoinIt() throws Exception {
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        try (var batcher = waitingAnHour(batches)) {
            CompletableFuture<Integer> single = batcher.submit(7);
            // the single item is held for company; a complete call then closes the batch with it inside
            List<CompletableFuture<Integer>> call = batcher.submitAll(List.of(8, 9), Duration.ofSeconds(10));
            assertEquals(7, single.get(10, TimeUnit.SECONDS));
            assertEquals(9, call.get(1).get(10, TimeUnit.SECONDS));
            assertEquals(List.of(List.of(7, 8, 9)), batches);
        }
    }

    @Test
    void equalItemsOfABatchAreComputedOnceAndEveryCallerGetsTheResult() throws Exception {
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        try (var batcher = waitingAnHour(batches)) {
            // a rollout group's requests: each its own caller, all with the same reference (7)
            CompletableFuture<Integer> first = batcher.submit(7);
            CompletableFuture<Integer> second = batcher.submit(3);
            CompletableFuture<Integer> third = batcher.submit(7);
            List<CompletableFuture<Integer>> call = batcher.submitAll(List.of(3, 9), Duration.ofSeconds(10));
            assertEquals(7, first.get(10, TimeUnit.SECONDS));
            assertEquals(3, second.get(10, TimeUnit.SECONDS));
            assertEquals(7, third.get(10, TimeUnit.SECONDS));
            assertEquals(3, call.get(0).get(10, TimeUnit.SECONDS));
            assertEquals(9, call.get(1).get(10, TimeUnit.SECONDS));
            assertEquals(List.of(List.of(7, 3, 9)), batches, "one batch, each distinct item once, in arrival order");
        }
    }

    @Test
    void aFullQueueRefusesAtOnceAndAWaitingSubmitTimesOut() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (var batcher = new MicroBatcher<Integer, Integer>(
                "test",
                1,
                Duration.ZERO,
                2,
                items -> {
                    await(release);
                    return items;
                },
                s -> {})) {
            CompletableFuture<Integer> first = batcher.submit(1);
            // wait until the worker holds the first item, so the queue is empty again
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (batcher.queued() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            CompletableFuture<Integer> second = batcher.submit(2);
            CompletableFuture<Integer> third = batcher.submit(3);
            var refused = assertThrows(RejectedExecutionException.class, () -> batcher.submit(4));
            assertTrue(refused.getMessage().contains("queue is full"), refused.getMessage());
            assertThrows(RejectedExecutionException.class, () -> batcher.submitWaiting(5, Duration.ofMillis(20)));
            release.countDown();
            assertEquals(1, first.get(10, TimeUnit.SECONDS));
            assertEquals(2, second.get(10, TimeUnit.SECONDS));
            assertEquals(3, third.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aFailingBatchFailsOnlyItsOwnCallers() throws Exception {
        try (var batcher = new MicroBatcher<Integer, Integer>(
                "test",
                1,
                Duration.ZERO,
                10,
                items -> {
                    if (items.get(0) < 0) {
                        throw new IllegalStateException("negative");
                    }
                    return items;
                },
                s -> {})) {
            var bad = batcher.submit(-1);
            var good = batcher.submit(5);
            var failure = assertThrows(ExecutionException.class, () -> bad.get(10, TimeUnit.SECONDS));
            assertEquals("negative", failure.getCause().getMessage());
            assertEquals(5, good.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aBatchFunctionReturningTheWrongCountFailsItsCallers() {
        try (var batcher =
                new MicroBatcher<Integer, Integer>("test", 4, Duration.ZERO, 10, items -> List.of(), s -> {})) {
            var f = batcher.submit(1);
            var failure = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            assertTrue(failure.getCause().getMessage().contains("0 results for 1 items"));
        }
    }

    /**
     * A batcher whose wait for company is far beyond any test's patience, so a batch that runs at all ran early because
     * its call was complete; it records each batch and answers every item with itself.
     */
    private static MicroBatcher<Integer, Integer> waitingAnHour(List<List<Integer>> batches) {
        return new MicroBatcher<>(
                "test",
                64,
                Duration.ofHours(1),
                100,
                items -> {
                    batches.add(List.copyOf(items));
                    return items;
                },
                s -> {});
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.cpt.model;

import ai.djl.Device;
import dev.cpt.model.io.ParameterTensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Data parallelism in one process: one replica of a model per device (the GPUs of one machine), each micro-batch's
 * rows split across them by target tokens, their forward and backward passes run concurrently (one thread each), and
 * one optimizer step on the sum of their gradients. The update is the one the primary model alone would take on all
 * the rows ({@link LanguageModel#accumulateGradients} and {@link LanguageModel#applyGradients}: mean loss over all
 * target tokens, one clip of the global norm, one AdamW step), up to the order in which float gradients are summed.
 *
 * <p>Only the primary (replica 0) holds optimizer moments and steps: the other replicas' gradients are added into its
 * own ({@link Trainer#absorb}), it clips and steps, and its new weights are copied to the others. Copying keeps the
 * replicas bit-for-bit equal by construction, where each replica stepping itself on the same summed gradient would
 * stay equal only as long as every device's kernels round alike; it also spares the other devices the moments'
 * memory (twice the weights). Checkpoints, scoring and sampling use the primary.
 *
 * <p>What this does not do: spread one model over several devices (tensor or pipeline parallel) or several machines
 * (no all-reduce across hosts). Each replica holds the whole model, and gradients travel through the primary's
 * device, one replica after another. Not thread-safe: one caller drives it.
 */
public final class DataParallel implements AutoCloseable {

    private final List<LanguageModel> replicas;
    private final ExecutorService threads;
    // Row losses of the micro-batches accumulated since the last step, in their order, for the step's result.
    private final List<double[]> pendingRowLosses = new ArrayList<>();

    private DataParallel(List<LanguageModel> replicas) {
        this.replicas = replicas;
        AtomicInteger next = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(replicas.size(), task -> {
            Thread thread = new Thread(task, "data-parallel-" + next.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        });
        if (replicas.size() > 1) {
            replicas.forEach(r -> r.trainer().recordOnCallingThread());
        }
    }

    /**
     * Replicas of {@code primary} on {@code devices}, the first of which must be the primary's own; the others get
     * copies of its weights. One device trains the primary exactly as it trains alone. The caller keeps owning {@code
     * primary}; {@link #close} closes the copies.
     */
    public static DataParallel over(LanguageModel primary, List<Device> devices) {
        if (devices.isEmpty() || !devices.get(0).equals(primary.device())) {
            throw new IllegalArgumentException(
                    "the first of the devices " + devices + " must be the primary model's, " + primary.device());
        }
        if (primary.pendingMicroBatches() > 0) {
            throw new IllegalStateException("the primary model has gradients accumulated and not applied");
        }
        List<LanguageModel> replicas = new ArrayList<>();
        replicas.add(primary);
        try {
            for (Device device : devices.subList(1, devices.size())) {
                replicas.add(primary.copy(device));
            }
        } catch (RuntimeException e) {
            replicas.subList(1, replicas.size()).forEach(LanguageModel::close);
            throw e;
        }
        return new DataParallel(replicas);
    }

    /** Replica 0: the model that steps, and the one to save, score and sample with. */
    public LanguageModel primary() {
        return replicas.get(0);
    }

    /** Replica {@code index}, for tests that check the replicas stay equal. */
    LanguageModel replica(int index) {
        return replicas.get(index);
    }

    /** Number of replicas, one per device. */
    public int size() {
        return replicas.size();
    }

    /** The replicas' devices, the primary's first. */
    public List<Device> devices() {
        return replicas.stream().map(LanguageModel::device).toList();
    }

    /**
     * Forward and backward on one micro-batch, its rows split across the replicas ({@link #split}); as {@link
     * LanguageModel#accumulateGradients}, the result's row losses in the rows' order. A batch the model refuses is
     * refused before any replica runs.
     */
    public MicroBatchResult accumulateGradients(int[][] tokens) {
        if (replicas.size() == 1) {
            return primary().accumulateGradients(tokens);
        }
        DecoderConfig config = primary().decoderConfig();
        Batch.forLoss(tokens, config.contextLength(), config.vocabSize()); // validates every row
        List<int[]> parts = split(tokens, replicas.size());
        List<Callable<MicroBatchResult>> work = new ArrayList<>();
        for (int r = 0; r < parts.size() && parts.get(r).length > 0; r++) {
            LanguageModel replica = replicas.get(r);
            int[][] rows = Arrays.stream(parts.get(r)).mapToObj(i -> tokens[i]).toArray(int[][]::new);
            work.add(() -> replica.accumulateGradients(rows));
        }
        List<MicroBatchResult> results = joinAll(work);
        double[] rowLosses = new double[tokens.length];
        long targets = 0;
        double lossSum = 0;
        for (int r = 0; r < results.size(); r++) {
            MicroBatchResult result = results.get(r);
            double[] losses = result.rowLosses();
            int[] rows = parts.get(r);
            for (int k = 0; k < rows.length; k++) {
                rowLosses[rows[k]] = losses[k];
            }
            targets += result.tokenCount();
            lossSum += result.loss() * result.tokenCount();
        }
        pendingRowLosses.add(rowLosses);
        return new MicroBatchResult(lossSum / targets, rowLosses, targets);
    }

    /**
     * One optimizer step on everything accumulated since the last, as {@link LanguageModel#applyGradients} on one
     * model that saw every row: the replicas' gradients are summed into the primary's, which clips and steps once;
     * when the step is applied its weights are copied to every other replica.
     */
    public TrainStepResult applyGradients(OptimizerSettings settings) {
        if (replicas.size() == 1) {
            return primary().applyGradients(settings);
        }
        Trainer trainer = primary().trainer();
        for (LanguageModel replica : replicas.subList(1, replicas.size())) {
            trainer.absorb(replica.trainer());
        }
        TrainStepResult step = primary().applyGradients(settings);
        if (step.applied()) {
            for (LanguageModel replica : replicas.subList(1, replicas.size())) {
                ParameterTensors.copy(
                        primary().decoder().parameters(), replica.decoder().parameters());
            }
        }
        double[] rowLosses =
                pendingRowLosses.stream().flatMapToDouble(Arrays::stream).toArray();
        pendingRowLosses.clear();
        return new TrainStepResult(
                step.loss(), rowLosses, step.tokenCount(), step.gradNorm(), step.applied(), step.skippedReason());
    }

    /**
     * The rows (their indices, ascending) each of {@code replicas} trains: longest first, each to the replica with the
     * fewest target tokens so far (the lowest index on a tie), so the parts are as even in tokens as whole rows allow
     * and replica 0 always has a row. A replica gets none when there are fewer rows than replicas; those come last.
     */
    static List<int[]> split(int[][] tokens, int replicas) {
        Integer[] longestFirst = new Integer[tokens.length];
        Arrays.setAll(longestFirst, i -> i);
        Arrays.sort(
                longestFirst,
                Comparator.comparingInt((Integer i) -> tokens[i].length).reversed());
        long[] load = new long[replicas];
        List<List<Integer>> parts = new ArrayList<>();
        for (int r = 0; r < replicas; r++) {
            parts.add(new ArrayList<>());
        }
        for (int row : longestFirst) {
            int least = 0;
            for (int r = 1; r < replicas; r++) {
                if (load[r] < load[least]) {
                    least = r;
                }
            }
            parts.get(least).add(row);
            load[least] += tokens[row].length - 1;
        }
        return parts.stream()
                .map(p -> p.stream().mapToInt(Integer::intValue).sorted().toArray())
                .toList();
    }

    /**
     * Runs every task on the replicas' threads and waits for all of them, even when one fails or this thread is
     * interrupted, so no replica is still computing when the caller goes on; the first failure is then thrown.
     */
    private <T> List<T> joinAll(List<Callable<T>> work) {
        List<Future<T>> futures = work.stream().map(threads::submit).toList();
        List<T> results = new ArrayList<>();
        RuntimeException failure = null;
        boolean interrupted = false;
        for (Future<T> future : futures) {
            while (true) {
                try {
                    results.add(future.get());
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException re
                                ? re
                                : new IllegalStateException("a data-parallel replica failed", e.getCause());
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
        return results;
    }

    /** Stops the replicas' threads and closes every replica but the primary, which its caller owns. */
    @Override
    public void close() {
        threads.shutdownNow();
        replicas.subList(1, replicas.size()).forEach(LanguageModel::close);
    }
}

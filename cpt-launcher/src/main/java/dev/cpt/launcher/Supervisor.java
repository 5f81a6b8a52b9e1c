package dev.cpt.launcher;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * Restarts a service that reports itself dead, as Kubernetes does on the liveness probe every service declares. The
 * embedded stack has no orchestrator, and a service whose {@code /q/health/live} says DOWN would otherwise stay as it
 * is: the mixer, after a round it could not commit, emits nothing until it is restarted, so every document behind
 * that round would wait for ever. Only an answer of DOWN counts, {@code threshold} times in a row; a service that does
 * not answer (starting, busy, or stopped or killed on purpose by a drill) is left alone.
 */
final class Supervisor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Supervisor.class.getName());

    /** What the supervisor needs of a service. */
    interface Watched {
        String name();

        boolean isRunning();

        URI url(String path);

        /** Stops the service, starts it again and waits until it is ready. */
        void restart(Duration readyTimeout);
    }

    private final List<? extends Watched> services;
    private final int threshold;
    private final Duration readyTimeout;
    private final Map<Watched, Integer> downInARow = new HashMap<>();
    private final AtomicInteger restarts = new AtomicInteger();
    private final ScheduledExecutorService probes = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "stack-supervisor");
        t.setDaemon(true);
        return t;
    });

    Supervisor(List<? extends Watched> services, int threshold, Duration readyTimeout) {
        if (threshold < 1) {
            throw new IllegalArgumentException("threshold must be at least 1, was " + threshold);
        }
        this.services = List.copyOf(services);
        this.threshold = threshold;
        this.readyTimeout = readyTimeout;
    }

    /** Probes every service each {@code interval}, on a daemon thread, until closed. */
    void start(Duration interval) {
        probes.scheduleWithFixedDelay(this::probeAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One round of probes: a service DOWN for the threshold's count of rounds in a row is restarted. */
    synchronized void probeAll() {
        for (Watched service : services) {
            if (!service.isRunning() || !saysDown(service)) {
                downInARow.remove(service);
                continue;
            }
            int down = downInARow.merge(service, 1, Integer::sum);
            if (down >= threshold) {
                downInARow.remove(service);
                restart(service, down);
            }
        }
    }

    private void restart(Watched service, int down) {
        LOG.warning(() -> service.name() + " reported itself DOWN (" + service.url("/q/health/live") + ") " + down
                + " times in a row: restarting it");
        try {
            service.restart(readyTimeout);
            restarts.incrementAndGet();
            LOG.info(() -> service.name() + " restarted and ready");
        } catch (RuntimeException e) {
            LOG.severe(() -> service.name() + " could not be restarted: " + e.getMessage());
        }
    }

    /** Services restarted so far. */
    int restarts() {
        return restarts.get();
    }

    /** DOWN is SmallRye Health's 503; no answer at all is not taken for one. */
    private static boolean saysDown(Watched service) {
        try {
            return HealthProbe.statusCode(service.url("/q/health/live")).orElse(0) == 503;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        probes.shutdownNow();
        try {
            // a probe or restart under way is interrupted and has ended before the stack stops the services, so it
            // cannot start one of them again after that
            probes.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

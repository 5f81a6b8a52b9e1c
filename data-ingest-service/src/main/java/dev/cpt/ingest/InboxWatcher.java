package dev.cpt.ingest;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/** Scans the inbox ({@code cpt.ingest.inbox.dir}) on one background thread, one pass after another. */
@ApplicationScoped
public class InboxWatcher {
    private static final Logger LOG = Logger.getLogger(InboxWatcher.class);

    private final IngestService service;
    private final EmitterSink sink;
    private ScheduledExecutorService scanner;

    InboxWatcher(IngestService service, EmitterSink sink) {
        this.service = service;
        this.sink = sink;
    }

    void onStart(@Observes StartupEvent event) {
        IngestConfig.Inbox inbox = service.config().inbox();
        if (!inbox.enabled()) {
            return;
        }
        Path dir = Path.of(inbox.dir());
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the inbox " + dir.toAbsolutePath(), e);
        }
        DirectoryIngester ingester = new DirectoryIngester(
                dir,
                new FileLedger(service.stateDir().resolve("files")),
                service.ingester(),
                sink,
                service.publishedLog(),
                service.metrics(),
                service.validator(),
                service.config().chunkDocuments(),
                inbox.settle(),
                Clock.systemUTC());
        scanner = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ingest-inbox");
            t.setDaemon(true);
            return t;
        });
        scanner.scheduleWithFixedDelay(
                () -> {
                    try {
                        ingester.scanOnce();
                    } catch (RuntimeException e) {
                        LOG.error("inbox scan failed; the next scan retries", e);
                    }
                },
                0,
                inbox.pollInterval().toMillis(),
                TimeUnit.MILLISECONDS);
        LOG.infof("watching %s every %s", dir.toAbsolutePath(), inbox.pollInterval());
    }

    /** Lets the chunk in flight finish: its progress is then recorded, and the next start resumes after it. */
    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
        if (scanner != null) {
            scanner.shutdown();
            if (!scanner.awaitTermination(30, TimeUnit.SECONDS)) {
                scanner.shutdownNow();
            }
        }
    }
}

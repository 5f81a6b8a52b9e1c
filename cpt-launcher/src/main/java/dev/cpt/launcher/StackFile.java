package dev.cpt.launcher;

import dev.cpt.contracts.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a running embedded stack can be reached, written to {@code <data-dir>/stack.json} once it is ready, so that
 * {@code cpt ingest}, {@code cpt status} and {@code cpt report} find it from the data directory alone. A stack
 * elsewhere (compose, a cluster) is reached by writing the same file by hand. Kafka's security settings are not in
 * it: every client of the launcher takes them from the {@code KAFKA_*} environment, as the services do.
 *
 * @param services each service's base URL by its module name
 * @param pid the process that runs the stack; the stack is running while it is
 */
record StackFile(String bootstrapServers, Map<String, URI> services, String inbox, long pid, Instant started) {
    static final String NAME = "stack.json";

    StackFile {
        services = Map.copyOf(services);
    }

    static StackFile of(Stack stack) {
        Map<String, URI> urls = new LinkedHashMap<>();
        for (Service s : Service.values()) {
            urls.put(s.module(), stack.service(s).url(""));
        }
        return new StackFile(
                stack.kafka().bootstrapServers(),
                urls,
                stack.inbox().toString(),
                ProcessHandle.current().pid(),
                Instant.now());
    }

    void write(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            Path tmp = dataDir.resolve(NAME + ".tmp");
            Files.writeString(tmp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(this));
            Files.move(tmp, dataDir.resolve(NAME), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dataDir.resolve(NAME), e);
        }
    }

    /** The stack recorded in {@code dataDir}; a missing or unreadable file is the user's error, named. */
    static StackFile read(Path dataDir) {
        Path file = dataDir.resolve(NAME);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no stack in " + dataDir.toAbsolutePath() + " (" + NAME
                    + " is missing): start one with cpt up, or name its directory with --data-dir");
        }
        try {
            return Json.MAPPER.readValue(file.toFile(), StackFile.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not a stack file: " + e.getMessage());
        }
    }

    URI service(Service s) {
        URI url = services.get(s.module());
        if (url == null) {
            throw new IllegalArgumentException(NAME + " names no URL for " + s.module());
        }
        return url;
    }

    /** Whether the process that started the stack still runs (a stack written by hand has pid 0: assumed running). */
    boolean running() {
        return pid == 0 || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}

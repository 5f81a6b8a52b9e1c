package dev.cpt.launcher;

import java.nio.file.Path;

/**
 * The five services of the loop, with their module, default HTTP port, heap, and whether their hot code is
 * libtorch's (native) rather than their own Java.
 */
public enum Service {
    INGEST("data-ingest-service", 8081, "384m", false),
    MIXER("mixer-service", 8082, "384m", false),
    TRAINER("trainer-service", 8083, "1g", true),
    EVAL("eval-service", 8084, "768m", true),
    REWARD("reward-service", 8085, "384m", true);

    private final String module;
    private final int defaultPort;
    private final String heap;
    private final boolean computesInLibtorch;

    Service(String module, int defaultPort, String heap, boolean computesInLibtorch) {
        this.module = module;
        this.defaultPort = defaultPort;
        this.heap = heap;
        this.computesInLibtorch = computesInLibtorch;
    }

    boolean computesInLibtorch() {
        return computesInLibtorch;
    }

    public String module() {
        return module;
    }

    public int defaultPort() {
        return defaultPort;
    }

    String heap() {
        return heap;
    }

    /** The runnable Quarkus application that {@code mvn package} builds for this service. */
    Path runnableJar(Path repoRoot) {
        return repoRoot.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
    }
}

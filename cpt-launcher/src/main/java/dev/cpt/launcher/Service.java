package dev.cpt.launcher;

import java.nio.file.Path;

/** The five services of the loop, with their module, default HTTP port and heap. */
public enum Service {
    INGEST("data-ingest-service", 8081, "384m"),
    MIXER("mixer-service", 8082, "384m"),
    TRAINER("trainer-service", 8083, "1g"),
    EVAL("eval-service", 8084, "768m"),
    REWARD("reward-service", 8085, "384m");

    private final String module;
    private final int defaultPort;
    private final String heap;

    Service(String module, int defaultPort, String heap) {
        this.module = module;
        this.defaultPort = defaultPort;
        this.heap = heap;
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

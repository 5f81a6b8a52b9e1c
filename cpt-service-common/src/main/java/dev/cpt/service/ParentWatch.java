package dev.cpt.service;

import io.quarkus.logging.Log;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * When the launcher started this service it passes its pid in {@code CPT_PARENT_PID}; if the launcher dies,
 * even by SIGKILL, the service shuts itself down, so the embedded stack never leaves a process behind.
 */
@Singleton
public class ParentWatch {
    public static final String PARENT_PID_ENV = "CPT_PARENT_PID";

    void onStart(@Observes StartupEvent event) {
        Optional.ofNullable(System.getenv(PARENT_PID_ENV))
                .map(Long::parseLong)
                .flatMap(ProcessHandle::of)
                .ifPresent(parent -> parent.onExit().thenRun(() -> {
                    Log.warnf("launcher (pid %d) is gone: shutting down", parent.pid());
                    Quarkus.asyncExit(0);
                }));
    }
}

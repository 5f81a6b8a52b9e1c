package dev.cpt.launcher;

import dev.cpt.kafka.ChildProcesses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One service as a child JVM: started, probed until ready, stopped gently or killed like a crash. */
public final class ServiceProcess implements Supervisor.Watched {
    private final Service service;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path log;
    private final int port;
    // replaced by a restart, which may run on the stack's supervisor thread
    private volatile Process process;

    ServiceProcess(
            Service service,
            Path jar,
            int port,
            Map<String, String> environment,
            Map<String, String> properties,
            Path log) {
        this.service = service;
        this.port = port;
        this.log = log;
        this.environment = environment;
        this.command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + service.heap(),
                // Six JVMs share two cores here: the serial collector keeps GC threads from crowding training.
                "-XX:+UseSerialGC"));
        if (service.computesInLibtorch()) {
            // Their hot code is native, and C2 compiling their Java takes CPU time the shared cores lack: the JIT
            // was half of the reward service's CPU time in the demo's GRPO stage (docs/experiments, GRPO rollouts).
            command.add("-XX:TieredStopAtLevel=1");
        }
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", jar.toString()));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    service.module() + " is not built: " + jar + " is missing (run mvn package first)");
        }
    }

    public Service service() {
        return service;
    }

    @Override
    public String name() {
        return service.module();
    }

    @Override
    public URI url(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    public Path log() {
        return log;
    }

    @Override
    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    void start() {
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(environment);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + service.module(), e);
        }
    }

    /** Waits until {@code /q/health/ready} answers 200, or fails with the tail of the service's log. */
    void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!isRunning()) {
                throw new IllegalStateException(service.module() + " exited with code " + process.exitValue()
                        + " while starting; its log " + log + " ends with:\n" + Logs.tail(log, 40));
            }
            try {
                if (HealthProbe.statusCode(url("/q/health/ready")).orElse(0) == 200) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + service.module(), e);
            }
            Logs.sleep(Duration.ofMillis(300));
        }
        throw new IllegalStateException(service.module() + " was not ready within " + timeout + "; log " + log
                + " ends with:\n" + Logs.tail(log, 40));
    }

    /** SIGKILL: no shutdown hook runs, as when a machine dies. */
    public void kill() {
        ChildProcesses.kill(process);
    }

    /** SIGTERM and Quarkus's graceful shutdown; SIGKILL if that takes too long. */
    public void stop() {
        ChildProcesses.stop(process, Duration.ofSeconds(20));
    }

    @Override
    public void restart(Duration readyTimeout) {
        stop();
        start();
        awaitReady(readyTimeout);
    }
}

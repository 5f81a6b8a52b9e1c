package dev.cpt.e2e;

import static dev.cpt.e2e.DeployCompose.compose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** docker-compose.yml as the compose CLI itself reads it, where the CLI is installed. */
class DockerComposeConfigTest {

    private final Path root = DeployFiles.repoRoot();

    /**
     * {@code docker compose config} needs only the CLI and its compose plugin, no daemon. Where
     * neither the plugin nor a v2 standalone docker-compose is installed (as on the build machine
     * this was written on), the check is skipped; the structural tests above still run.
     */
    @Test
    void dockerComposeConfigAcceptsTheFileWhereComposeIsInstalled() {
        Optional<List<String>> compose = composeCommand();
        assumeTrue(compose.isPresent(), "no `docker compose` plugin nor docker-compose v2 on PATH: skipped");
        List<String> command = new ArrayList<>(compose.get());
        command.addAll(
                List.of("-f", root.resolve("docker-compose.yml").toString(), "--profile", "gpu", "config", "-q"));
        Run run = run(command, 120);
        assertTrue(run.finished(), "timed out: " + command);
        assertEquals(0, run.exitCode(), String.join(" ", command) + " failed:\n" + run.output());
    }

    private record Run(boolean finished, int exitCode, String output) {}

    private Run run(List<String> command, int timeoutSeconds) {
        try {
            Path out = Files.createTempFile("deploy-check", ".log");
            try {
                Process p = new ProcessBuilder(command)
                        .directory(root.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile())
                        .start();
                boolean finished = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
                if (!finished) {
                    p.destroyForcibly();
                }
                return new Run(finished, finished ? p.exitValue() : -1, Files.readString(out));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            return new Run(true, -1, String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Run(false, -1, "interrupted");
        }
    }

    /** `docker compose` (the CLI plugin) or a standalone docker-compose v2, whichever works here. */
    private Optional<List<String>> composeCommand() {
        Run plugin = run(List.of("docker", "compose", "version"), 30);
        if (plugin.finished() && plugin.exitCode() == 0) {
            return Optional.of(List.of("docker", "compose"));
        }
        // v1 (docker-compose 1.x) predates the compose spec this file follows (top-level name).
        Run standalone = run(List.of("docker-compose", "version", "--short"), 30);
        if (standalone.finished()
                && standalone.exitCode() == 0
                && standalone.output().strip().matches("v?[2-9]\\..*")) {
            return Optional.of(List.of("docker-compose"));
        }
        return Optional.empty();
    }
}

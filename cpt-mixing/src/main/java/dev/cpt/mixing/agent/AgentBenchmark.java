package dev.cpt.mixing.agent;

import dev.cpt.contracts.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * What the mixing benchmark ({@code cpt bench}) measured for a shipped agent, kept beside it as {@value #FILE}: on one
 * domain sequence and reading, the static replay ratio with the lowest mean held-out loss, its loss and the agent's.
 * The demo's report draws that ratio next to the mixture the agent chose.
 *
 * @param command the benchmark command that measured it
 * @param reading {@code equal-budget} or {@code equal-fresh}
 * @param sequence the domains, the general one first
 * @param seeds seeds per policy
 * @param bestStaticReplay the static replay ratio with the lowest mean final held-out loss over all domains
 * @param bestStaticMeanLoss its mean loss (mean over seeds)
 * @param agentMeanLoss the agent's
 */
public record AgentBenchmark(
        String command,
        String reading,
        List<String> sequence,
        int seeds,
        double bestStaticReplay,
        double bestStaticMeanLoss,
        double agentMeanLoss) {
    public static final String FILE = "benchmark.json";

    /** The benchmark of the agent shipped in this module, if one was recorded. */
    public static Optional<AgentBenchmark> bundled() {
        String resource = AgentArtifact.BUNDLED.substring("classpath:".length()) + "/" + FILE;
        try (InputStream in = AgentBenchmark.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null
                    ? Optional.empty()
                    : Optional.of(
                            Json.read(new String(in.readAllBytes(), StandardCharsets.UTF_8), AgentBenchmark.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the shipped agent's " + FILE + ": " + e.getMessage(), e);
        }
    }
}

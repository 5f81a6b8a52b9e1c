package dev.cpt.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cpt.contracts.CheckpointEvent;
import dev.cpt.contracts.EvalReport;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.MixtureWeights;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cpt status}: what a running stack is doing, from its services' health endpoints and its topics. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "For a running stack: each service's health, the consumer lag of every group, the trainer's schedule, the"
                    + " last checkpoint and its eval report, and the mixture weights of the mixer's last round."
        })
final class StatusCommand implements Callable<Integer> {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Spec
    CommandSpec spec;

    @Mixin
    StackDirectory stack;

    @Override
    public Integer call() throws Exception {
        StackFile running = stack.running();
        PrintWriter out = spec.commandLine().getOut();
        out.println("Stack in " + stack.dataDir.toAbsolutePath() + ", started " + running.started() + " (process "
                + running.pid() + "); Kafka " + running.bootstrapServers());
        out.println("Services:");
        boolean allUp = true;
        for (Service s : Service.values()) {
            String health = health(running.service(s));
            allUp &= health.equals("UP");
            out.printf(Locale.ROOT, "  %-20s %-28s %s%n", s.module(), running.service(s), health);
        }
        try (StackConnection connection = StackConnection.to(running)) {
            out.println("Consumer lag (records not yet consumed):");
            int idle = 0;
            for (ConsumerLag.Group group : ConsumerLag.read(connection.clients)) {
                if (group.byTopic().isEmpty()) {
                    idle++;
                } else {
                    out.printf(
                            Locale.ROOT,
                            "  %-34s %,10d  %s%n",
                            group.id(),
                            group.total(),
                            KeyValues.counts(group.byTopic()));
                }
            }
            if (idle > 0) {
                out.println("  (" + idle + " more groups have committed no offsets)");
            }
            describeLoop(out, TopicSnapshot.read(connection.clients));
        }
        out.flush();
        return allUp ? 0 : 1;
    }

    private static void describeLoop(PrintWriter out, LoopRecords loop) {
        Optional<CheckpointEvent> last = loop.latestCheckpoint();
        if (last.isEmpty()) {
            out.println("Training: no checkpoint yet");
        } else {
            CheckpointEvent c = last.get();
            out.printf(
                    Locale.ROOT,
                    "Training: run %s, step %,d, %,d tokens (%s)%n",
                    c.runId(),
                    c.step(),
                    c.tokensSeen(),
                    KeyValues.counts(c.tokensPerDomain()));
            out.println("  schedule: " + schedule(c.schedule()));
            out.println("  last checkpoint: " + c.uri() + " at " + c.at());
            out.println("  its eval: " + eval(loop, c));
        }
        if (loop.mixture.isEmpty()) {
            out.println("Mixture: no round yet");
        } else {
            MixtureWeights m = loop.mixture.get(loop.mixture.size() - 1);
            out.printf(
                    Locale.ROOT,
                    "Mixture: round %d, policy %s, replay share %.2f, weights %s%s%n",
                    m.round(),
                    m.policy(),
                    m.replayShare(),
                    KeyValues.threeDecimals(m.weights()),
                    m.fallback() ? " (the policy's weights were invalid: uniform instead)" : "");
        }
    }

    private static String schedule(CheckpointEvent.ScheduleState s) {
        if (s == null) {
            return "not reported";
        }
        return String.format(
                Locale.ROOT,
                "%s, phase %d since step %d, %s, learning rate %.3g (scale %.3g)",
                s.kind(),
                s.phase(),
                s.phaseStartStep(),
                s.cooldownStartStep() < 0 ? "no cooldown" : "cooling down since step " + s.cooldownStartStep(),
                s.learningRate(),
                s.learningRateScale());
    }

    /** The report on this checkpoint, else the latest of its run with the step it was taken at. */
    private static String eval(LoopRecords loop, CheckpointEvent c) {
        EvalReport latest = null;
        for (EvalReport r : loop.reports) {
            if (r.runId().equals(c.runId())) {
                latest = r;
            }
        }
        if (latest == null) {
            return "none yet";
        }
        String which = latest.step() == c.step() ? "" : "(step " + latest.step() + ", eval is behind) ";
        if (latest.failed()) {
            return which + "failed: " + latest.error();
        }
        return which + "held-out loss "
                + KeyValues.joined(latest.domains(), d -> String.format(Locale.ROOT, "%.3f", d.loss()));
    }

    /** UP, DOWN with the failing checks' names, or why it could not be asked. */
    static String health(URI service) {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(service.resolve("/q/health"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = Json.MAPPER.readTree(response.body());
            String status = body.path("status").asText("unknown (HTTP " + response.statusCode() + ")");
            if (status.equals("UP")) {
                return status;
            }
            StringBuilder down = new StringBuilder(status);
            for (JsonNode check : body.path("checks")) {
                if (!check.path("status").asText().equals("UP")) {
                    down.append(' ').append(check.path("name").asText());
                }
            }
            return down.toString();
        } catch (java.io.IOException e) {
            return "unreachable (" + e.getClass().getSimpleName() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "not asked (interrupted)";
        }
    }
}

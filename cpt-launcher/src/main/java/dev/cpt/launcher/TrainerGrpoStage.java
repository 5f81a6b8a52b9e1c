package dev.cpt.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cpt.contracts.Json;
import dev.cpt.launcher.report.GrpoSummary;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The demo's GRPO stage through the trainer's HTTP API: {@code POST /grpo} with a small spec, then
 * {@code GET /grpo/{id}} until the stage has succeeded or failed; the held-out reward before and after goes to the
 * report. A trainer without the endpoint (404) means the stage is not run; a failed or overdue stage is an error.
 */
public final class TrainerGrpoStage implements Demo.GrpoStage {
    private final Map<String, Object> spec;
    private final Duration timeout;
    private final Duration poll;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @param spec the request body (the trainer fills in defaults for what it leaves out) */
    public TrainerGrpoStage(Map<String, Object> spec, Duration timeout) {
        this(spec, timeout, Duration.ofSeconds(2));
    }

    TrainerGrpoStage(Map<String, Object> spec, Duration timeout, Duration poll) {
        this.spec = Map.copyOf(spec);
        this.timeout = timeout;
        this.poll = poll;
    }

    /**
     * Arithmetic questions (the form the demo's last phase streams), 40 steps: about a minute. A low learning rate and
     * a firm KL penalty, because at 3e-4 and beta 0.04 the stage raised the reward but cost about 0.9 nats of held-out
     * loss on every domain.
     */
    public static TrainerGrpoStage demo() {
        return new TrainerGrpoStage(
                Map.of("task", "arithmetic", "steps", 40, "heldOutPrompts", 32, "learningRate", 1e-4, "beta", 0.1),
                Duration.ofMinutes(6));
    }

    @Override
    public Optional<GrpoSummary> run(Stack stack, ProgressLine progress) throws IOException, InterruptedException {
        return run(stack.service(Service.TRAINER).url(""), progress);
    }

    /** @param trainer the trainer's base URL ({@code http://host:port}) */
    Optional<GrpoSummary> run(URI trainer, ProgressLine progress) throws IOException, InterruptedException {
        HttpResponse<String> started = http.send(
                HttpRequest.newBuilder(trainer.resolve("/grpo"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(Json.write(spec)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (started.statusCode() == 404 || started.statusCode() == 405) {
            progress.message("GRPO stage not run: this trainer has no POST /grpo.");
            return Optional.empty();
        }
        if (started.statusCode() != 202) {
            throw new IllegalStateException(
                    "the trainer refused the GRPO stage: " + started.statusCode() + " " + started.body());
        }
        String id = Json.MAPPER.readTree(started.body()).path("id").asText();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> polled = http.send(
                    HttpRequest.newBuilder(trainer.resolve("/grpo/" + id)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode status = Json.MAPPER.readTree(polled.body());
            String state = status.path("state").asText();
            progress.update("grpo " + state + " step " + status.path("step").asLong(), 0, reward(status), null);
            switch (state) {
                case "succeeded" -> {
                    return Optional.of(new GrpoSummary(
                            status.path("heldOutPrompts").asInt(),
                            status.path("step").asInt(),
                            status.path("heldOutRewardBefore").asDouble(Double.NaN),
                            status.path("heldOutRewardAfter").asDouble(Double.NaN),
                            "trainer GRPO stage " + id));
                }
                case "failed" ->
                    throw new IllegalStateException("the GRPO stage " + id + " failed: "
                            + status.path("error").asText());
                default -> Logs.sleep(poll);
            }
        }
        throw new IllegalStateException("the GRPO stage " + id + " did not finish within " + timeout);
    }

    private static String reward(JsonNode status) {
        JsonNode before = status.path("heldOutRewardBefore");
        return before.isNumber() ? String.format(java.util.Locale.ROOT, "reward %.3f", before.asDouble()) : null;
    }
}

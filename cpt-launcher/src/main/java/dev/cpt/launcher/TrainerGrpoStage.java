package dev.cpt.launcher;

import dev.cpt.contracts.GrpoSpec;
import dev.cpt.contracts.GrpoStatus;
import dev.cpt.contracts.Json;
import dev.cpt.launcher.report.GrpoSummary;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The demo's GRPO stage through the trainer's HTTP API: {@code POST /grpo} with a small spec, then
 * {@code GET /grpo/{id}} until the stage has succeeded or failed; the held-out reward before and after goes to the
 * report. A trainer without the endpoint (404) means the stage is not run; a failed or overdue stage is an error.
 */
public final class TrainerGrpoStage implements Demo.GrpoStage {
    private final GrpoSpec spec;
    private final Duration timeout;
    private final Duration poll;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @param spec the request body (the trainer fills in defaults for what it leaves null) */
    public TrainerGrpoStage(GrpoSpec spec, Duration timeout) {
        this(spec, timeout, Duration.ofSeconds(2));
    }

    TrainerGrpoStage(GrpoSpec spec, Duration timeout, Duration poll) {
        this.spec = spec;
        this.timeout = timeout;
        this.poll = poll;
    }

    /**
     * Arithmetic questions, 40 steps. The prompt is the bare question, as the demo's last phase streams them ("What is
     * 12 + 5? 12 plus 5 equals 17."), so the model answers in the form it was trained on; behind the default
     * "Q: ...\nA:" it had never seen, the small demo model's greedy answer is empty. A low learning rate and a firm KL
     * penalty, so that the stage raises the reward without costing more than 0.05 nats of held-out loss on any domain:
     * at 5e-5 it cost 0.11 on arithmetic (docs/experiments/2026-12-04-grpo-demo-forgetting.md).
     */
    public static TrainerGrpoStage demo() {
        return new TrainerGrpoStage(
                Json.read(
                        "{\"task\": \"arithmetic\", \"heldOutPrompts\": 32, \"steps\": 40, \"beta\": 0.2,"
                                + " \"learningRate\": 2.5e-5, \"promptTemplate\": \"{prompt}\"}",
                        GrpoSpec.class),
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
        String id = Json.read(started.body(), GrpoStatus.class).id();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> polled = http.send(
                    HttpRequest.newBuilder(trainer.resolve("/grpo/" + id)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            GrpoStatus status = Json.read(polled.body(), GrpoStatus.class);
            progress.update("grpo " + status.state() + " step " + status.step(), 0, reward(status), null);
            switch (Objects.requireNonNullElse(status.state(), "")) {
                case GrpoStatus.SUCCEEDED -> {
                    return Optional.of(new GrpoSummary(
                            status.heldOutPrompts(),
                            Math.toIntExact(status.step()),
                            seconds(status),
                            orNaN(status.heldOutRewardBefore()),
                            orNaN(status.heldOutRewardAfter()),
                            "trainer GRPO stage " + id));
                }
                case GrpoStatus.FAILED ->
                    throw new IllegalStateException("the GRPO stage " + id + " failed: " + status.error());
                default -> Logs.sleep(poll);
            }
        }
        throw new IllegalStateException("the GRPO stage " + id + " did not finish within " + timeout);
    }

    private static String reward(GrpoStatus status) {
        Double before = status.heldOutRewardBefore();
        return before == null ? null : String.format(Locale.ROOT, "reward %.3f", before);
    }

    /** From the stage's start to its finish; NaN where the trainer left either out. */
    private static double seconds(GrpoStatus status) {
        return status.startedAt() == null || status.finishedAt() == null
                ? Double.NaN
                : Duration.between(status.startedAt(), status.finishedAt()).toNanos() / 1e9;
    }

    /** A reward the trainer could not measure (no answer came) is null in its reply. */
    private static double orNaN(Double reward) {
        return reward == null ? Double.NaN : reward;
    }
}

package dev.cpt.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.cpt.contracts.GrpoSpec;
import dev.cpt.contracts.GrpoStatus;
import dev.cpt.contracts.GrpoStepReport;
import dev.cpt.contracts.Json;
import dev.cpt.launcher.report.GrpoSummary;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The GRPO client against a real HTTP server on loopback that answers as the trainer's /grpo API does: with
 * {@link GrpoStatus} records, written as the trainer writes them.
 */
class TrainerGrpoStageTest {
    private static final GrpoStatus QUEUED =
            GrpoStatus.queued("g1", "demo-grpo-g1", GrpoSpec.unset().withDefaults());

    private HttpServer server;
    private final StringBuilder requestBody = new StringBuilder();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final ProgressLine progress =
            new ProgressLine(new PrintStream(printed, true, StandardCharsets.UTF_8), false, Duration.ZERO);

    /** POST /grpo answers {@code postStatus}; each GET /grpo/g1 answers the next of {@code states}. */
    private URI trainer(int postStatus, List<String> states) throws Exception {
        Deque<String> next = new ArrayDeque<>(states);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/grpo", exchange -> {
            String body;
            int status;
            if (exchange.getRequestMethod().equals("POST")) {
                requestBody.append(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                status = postStatus;
                body = Json.write(QUEUED);
            } else {
                status = exchange.getRequestURI().getPath().equals("/grpo/g1") ? 200 : 404;
                body = next.size() > 1 ? next.poll() : next.peek();
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static TrainerGrpoStage stage(Duration timeout) {
        return new TrainerGrpoStage(
                Json.read("{\"task\": \"arithmetic\", \"steps\": 3}", GrpoSpec.class), timeout, Duration.ofMillis(20));
    }

    /** A step that trained on one group (as the trainer's loop reports it). */
    private static GrpoStepReport step(long step) {
        return new GrpoStepReport(
                step,
                step,
                1,
                1,
                0,
                0,
                0,
                0.5,
                1.0,
                0.1,
                0.01,
                0.0,
                1.0,
                true,
                Duration.ofMillis(5),
                0,
                Duration.ZERO,
                0,
                0);
    }

    @Test
    void followsTheStageUntilItSucceedsAndReportsBothRewards() throws Exception {
        GrpoStatus running = QUEUED.running().before(0.25, 16).stepped(step(1));
        GrpoStatus succeeded =
                running.stepped(step(2)).stepped(step(3)).after(0.4, 16).succeeded();
        URI uri = trainer(202, List.of(Json.write(running), Json.write(succeeded)));
        Optional<GrpoSummary> summary = stage(Duration.ofSeconds(10)).run(uri, progress);
        double seconds =
                Duration.between(succeeded.startedAt(), succeeded.finishedAt()).toNanos() / 1e9;
        assertEquals(Optional.of(new GrpoSummary(16, 3, seconds, 0.25, 0.4, "trainer GRPO stage g1")), summary);
        assertTrue(requestBody.toString().contains("\"task\":\"arithmetic\""), requestBody.toString());
        assertEquals(3, Json.read(requestBody.toString(), GrpoSpec.class).steps());
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("grpo running step 1"));
    }

    @Test
    void aTrainerWithoutTheEndpointMeansNotRun() throws Exception {
        URI uri = trainer(404, List.of(Json.write(QUEUED)));
        assertEquals(Optional.empty(), stage(Duration.ofSeconds(10)).run(uri, progress));
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("GRPO stage not run"));
    }

    @Test
    void aFailedOrOverdueStageIsAnError() throws Exception {
        URI failing = trainer(
                202,
                List.of(Json.write(
                        QUEUED.running().stepped(step(1)).stepped(step(2)).failed("rewards timed out"))));
        var e = assertThrows(
                IllegalStateException.class, () -> stage(Duration.ofSeconds(10)).run(failing, progress));
        assertTrue(e.getMessage().contains("rewards timed out"), e.getMessage());
        stop();

        URI stuck = trainer(202, List.of(Json.write(QUEUED.running().stepped(step(1)))));
        var overdue = assertThrows(
                IllegalStateException.class, () -> stage(Duration.ofMillis(200)).run(stuck, progress));
        assertTrue(overdue.getMessage().contains("did not finish"), overdue.getMessage());
    }
}

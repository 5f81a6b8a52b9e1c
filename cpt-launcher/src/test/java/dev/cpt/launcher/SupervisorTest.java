package dev.cpt.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The supervisor against a real HTTP server on loopback that answers {@code /q/health/live} as SmallRye Health does
 * (200 UP, 503 DOWN). Probe rounds are driven by hand, so nothing depends on timing.
 */
class SupervisorTest {

    /** A service whose liveness is a settable status code; a restart brings it back UP. */
    private static final class FakeService implements Supervisor.Watched {
        private final HttpServer server;
        private volatile int liveStatus = 200;
        private volatile boolean running = true;
        private int restarts;
        private boolean serverStopped;

        FakeService() throws Exception {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/q/health/live", exchange -> {
                exchange.sendResponseHeaders(liveStatus, -1);
                exchange.close();
            });
            server.start();
        }

        void stopServer() {
            if (!serverStopped) {
                serverStopped = true;
                server.stop(0);
            }
        }

        @Override
        public String name() {
            return "fake-service";
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public URI url(String path) {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
        }

        @Override
        public void restart(Duration readyTimeout) {
            restarts++;
            liveStatus = 200;
        }
    }

    private FakeService service;

    @AfterEach
    void stop() {
        if (service != null) {
            service.stopServer();
        }
    }

    private Supervisor supervising() throws Exception {
        service = new FakeService();
        return new Supervisor(List.of(service), 3, Duration.ofSeconds(1));
    }

    private static void rounds(Supervisor supervisor, int n) {
        for (int i = 0; i < n; i++) {
            supervisor.probeAll();
        }
    }

    @Test
    void aServiceDownThreeTimesInARowIsRestartedOnceAndThenLeftAlone() throws Exception {
        Supervisor supervisor = supervising();
        rounds(supervisor, 2);
        assertEquals(0, service.restarts, "an UP service is not touched");

        service.liveStatus = 503;
        rounds(supervisor, 2);
        assertEquals(0, service.restarts, "two DOWN answers are under the threshold");
        rounds(supervisor, 1);
        assertEquals(1, service.restarts);
        assertEquals(1, supervisor.restarts());

        rounds(supervisor, 5);
        assertEquals(1, service.restarts, "UP again after the restart");
    }

    @Test
    void onlyDownAnswersInARowCount() throws Exception {
        Supervisor supervisor = supervising();
        for (int i = 0; i < 4; i++) {
            service.liveStatus = 503;
            rounds(supervisor, 2);
            service.liveStatus = 200;
            rounds(supervisor, 1);
        }
        assertEquals(0, service.restarts);
    }

    @Test
    void aStoppedServiceOrOneThatDoesNotAnswerIsLeftAlone() throws Exception {
        Supervisor supervisor = supervising();
        service.liveStatus = 503;
        service.running = false;
        rounds(supervisor, 5);
        assertEquals(0, service.restarts, "a drill stopped or killed it on purpose");

        service.running = true;
        service.stopServer();
        rounds(supervisor, 5);
        assertEquals(0, service.restarts, "no answer is not DOWN");
    }
}

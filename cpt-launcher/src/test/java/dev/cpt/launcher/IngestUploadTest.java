package dev.cpt.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cpt.contracts.IngestReply;
import dev.cpt.contracts.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client side of {@code cpt ingest} over real HTTP, against a server that answers as ingest's
 * {@code POST /documents} does: how lines are cut into requests, what is sent again, and how outcomes are counted.
 * (EmbeddedStackIT runs the command against ingest itself.)
 */
class IngestUploadTest {
    private final List<List<String>> requests = new CopyOnWriteArrayList<>();
    private HttpServer server;

    private URI serve(int status, Function<List<String>, IngestReply> answer) throws IOException {
        server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        server.createContext("/documents", exchange -> reply(exchange, status, answer));
        server.start();
        return URI.create("http://localhost:" + server.getAddress().getPort());
    }

    private void reply(HttpExchange exchange, int status, Function<List<String>, IngestReply> answer)
            throws IOException {
        List<String> lines = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .toList();
        requests.add(lines);
        byte[] body = Json.write(answer.apply(lines)).getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static IngestFiles.Line line(String text, String origin) {
        return new IngestFiles.Line(("{\"text\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8), origin);
    }

    @Test
    void linesGoInRequestsOfAtMostTheBodySizeAndEachOutcomeIsCounted() throws Exception {
        URI ingest = serve(202, lines -> {
            List<IngestReply.Accepted> accepted = new ArrayList<>();
            List<IngestReply.Duplicate> duplicates = new ArrayList<>();
            List<IngestReply.Rejection> rejected = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i);
                if (l.contains("dup")) {
                    duplicates.add(new IngestReply.Duplicate(i + 1, "id", "d", "exact"));
                } else if (l.contains("short")) {
                    rejected.add(new IngestReply.Rejection(i + 1, "too-small", "3 bytes"));
                } else {
                    accepted.add(new IngestReply.Accepted(i + 1, "id" + i, "d", i == 0 ? "HELDOUT" : "TRAIN", 10, 1));
                }
            }
            return new IngestReply(accepted, duplicates, rejected, null);
        });
        IngestUpload upload = new IngestUpload(ingest, null, 1024);
        String padding = "x".repeat(300);
        for (int i = 0; i < 6; i++) {
            upload.add(line(padding + i, "a.jsonl:" + (i + 1)));
        }
        upload.add(line("dup", "a.jsonl:7"));
        upload.add(line("short", "a.jsonl:8"));
        upload.flush();

        assertTrue(requests.stream().allMatch(r -> String.join("\n", r).length() + r.size() <= 1024), "" + requests);
        assertEquals(8, requests.stream().mapToInt(List::size).sum(), "every line sent once");
        assertEquals(requests.size(), upload.tally.requests);
        assertEquals(6, upload.tally.accepted);
        assertEquals(60, upload.tally.tokens);
        assertEquals(1, upload.tally.duplicates.get("exact"));
        assertEquals(1, upload.tally.rejected.get("too-small"));
        assertEquals(List.of("a.jsonl:8: 3 bytes"), upload.tally.examples, "named by where it came from");
    }

    @Test
    void documentsTheBrokerDidNotTakeAreSentAgainAlone() throws Exception {
        URI ingest = serve(503, lines -> {
            boolean first = requests.size() == 1;
            List<IngestReply.Accepted> accepted = new ArrayList<>();
            List<IngestReply.Rejection> rejected = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                if (first && lines.get(i).contains("second")) {
                    rejected.add(new IngestReply.Rejection(i + 1, IngestReply.Rejection.UNAVAILABLE, "broker down"));
                } else {
                    accepted.add(new IngestReply.Accepted(i + 1, "id", "d", "TRAIN", 5, 1));
                }
            }
            return new IngestReply(accepted, List.of(), rejected, null);
        });
        IngestUpload upload = new IngestUpload(ingest, null, 1 << 20);
        upload.add(line("first", "f:1"));
        upload.add(line("second", "f:2"));
        upload.add(line("third", "f:3"));
        upload.flush();

        assertEquals(2, requests.size());
        assertEquals(List.of("{\"text\":\"second\"}"), requests.get(1), "only the document the broker missed");
        assertEquals(3, upload.tally.accepted);
        assertEquals(0, upload.tally.rejectedCount());
    }

    @Test
    void aRefusedKeyIsTheUsersError() throws Exception {
        URI ingest = serve(401, lines -> new IngestReply(List.of(), List.of(), List.of(), null));
        IngestUpload upload = new IngestUpload(ingest, "wrong", 1 << 20);
        upload.add(line("text", "f:1"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, upload::flush);
        assertTrue(e.getMessage().contains("refused the API key"), e.getMessage());
    }
}

package dev.cpt.launcher;

import dev.cpt.contracts.IngestReply;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.MalformedMessageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sends document lines to ingest's {@code POST /documents} as JSONL, up to a body size per request, and counts what
 * ingest answered for each. Documents the broker did not take ({@link IngestReply.Rejection#UNAVAILABLE}) are sent
 * again, alone, a few times with a growing pause; every other outcome is final.
 */
final class IngestUpload {
    private static final int ATTEMPTS = 5;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI documents;
    private final String apiKey;
    private final int bodyBytes;
    private final List<IngestFiles.Line> pending = new ArrayList<>();
    private int pendingBytes;
    final Tally tally = new Tally();

    IngestUpload(URI ingest, String apiKey, int bodyBytes) {
        this.documents = ingest.resolve("/documents");
        this.apiKey = apiKey;
        this.bodyBytes = bodyBytes;
    }

    /** Queues one line; the queued lines go out once the next would take the body past its size. */
    void add(IngestFiles.Line line) throws IOException, InterruptedException {
        if (!pending.isEmpty() && pendingBytes + line.json().length + 1 > bodyBytes) {
            flush();
        }
        pending.add(line);
        pendingBytes += line.json().length + 1;
    }

    void flush() throws IOException, InterruptedException {
        List<IngestFiles.Line> lines = List.copyOf(pending);
        pending.clear();
        pendingBytes = 0;
        for (int attempt = 1; !lines.isEmpty(); attempt++) {
            IngestReply reply = post(lines);
            tally.requests++;
            List<IngestFiles.Line> retry = new ArrayList<>();
            for (IngestReply.Accepted a : reply.accepted()) {
                tally.accepted++;
                tally.tokens += a.tokens();
                tally.heldout += a.trains() ? 0 : 1;
            }
            for (IngestReply.Duplicate d : reply.duplicates()) {
                tally.duplicates.merge(d.kind(), 1, Integer::sum);
            }
            for (IngestReply.Rejection r : reply.rejected()) {
                boolean known = r.line() >= 1 && r.line() <= lines.size();
                if (known && r.reason().equals(IngestReply.Rejection.UNAVAILABLE) && attempt < ATTEMPTS) {
                    retry.add(lines.get(r.line() - 1));
                } else {
                    String origin = known ? lines.get(r.line() - 1).origin() : "request " + tally.requests;
                    tally.reject(r.reason(), origin + ": " + r.message());
                }
            }
            if (!retry.isEmpty()) {
                Thread.sleep(1000L << (attempt - 1));
            }
            lines = retry;
        }
    }

    private IngestReply post(List<IngestFiles.Line> lines) throws IOException, InterruptedException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(bodyBytes);
        for (IngestFiles.Line line : lines) {
            body.write(line.json());
            body.write('\n');
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(documents)
                .timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        if (apiKey != null && !apiKey.isEmpty()) {
            request.header("X-API-Key", apiKey);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new CommandFailure(
                    "ingest at " + documents + " did not answer (" + e + "); " + tally.accepted
                            + " documents were accepted before, and sending them again finds them duplicates",
                    e);
        }
        int status = response.statusCode();
        if (status == 401) {
            throw new IllegalArgumentException(
                    "ingest at " + documents + " refused the API key: pass --api-key or set CPT_INGEST_API_KEY");
        }
        if (status == 413) {
            throw new IllegalArgumentException("ingest at " + documents + " takes smaller requests than " + bodyBytes
                    + " bytes: lower --request-bytes");
        }
        if (status != 202 && status != 400 && status != 503) {
            throw new CommandFailure("ingest at " + documents + " answered " + status + ": " + response.body(), null);
        }
        try {
            return Json.read(response.body(), IngestReply.class);
        } catch (MalformedMessageException e) {
            throw new CommandFailure(
                    "ingest at " + documents + " answered " + status + " with no reply: " + response.body(), e);
        }
    }

    /** What ingest made of everything sent so far. */
    static final class Tally {
        int requests;
        long accepted;
        long heldout;
        long tokens;
        final Map<String, Integer> duplicates = new TreeMap<>();
        final Map<String, Integer> rejected = new TreeMap<>();
        /** The first few rejections, with where the document came from. */
        final List<String> examples = new ArrayList<>();

        void reject(String reason, String example) {
            rejected.merge(reason, 1, Integer::sum);
            if (examples.size() < 5) {
                examples.add(example);
            }
        }

        long duplicateCount() {
            return duplicates.values().stream().mapToLong(Integer::longValue).sum();
        }

        long rejectedCount() {
            return rejected.values().stream().mapToLong(Integer::longValue).sum();
        }
    }
}

package dev.cpt.e2e;

import dev.cpt.contracts.IngestReply;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import dev.cpt.launcher.Service;
import dev.cpt.launcher.Stack;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * Documents for the drills and the dashboard test, and ingest's HTTP endpoint as a client that keeps every
 * outcome: which document was accepted (and into which split), which was a duplicate, which was rejected and why.
 * The texts are generated arithmetic and unit-conversion facts (distinct per seed, so deduplication keeps them).
 */
final class Workload {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Workload() {}

    static List<RawDocument> arithmetic(String idPrefix, int documents, long seed) {
        Random rng = new Random(seed);
        List<RawDocument> docs = new ArrayList<>();
        for (int d = 0; d < documents; d++) {
            StringBuilder text = new StringBuilder();
            for (int f = 0; f < 5; f++) {
                int a = rng.nextInt(900) + 10;
                int b = rng.nextInt(900) + 10;
                text.append(a)
                        .append(" plus ")
                        .append(b)
                        .append(" is ")
                        .append(a + b)
                        .append(", because adding ")
                        .append(b)
                        .append(" to ")
                        .append(a)
                        .append(" gives ")
                        .append(a + b)
                        .append(". ");
            }
            docs.add(new RawDocument(
                    idPrefix + "-" + d, "arithmetic", text.toString().strip(), "e2e"));
        }
        return docs;
    }

    private static final String[][] UNITS = {
        {"meters", "meter", "centimeters", "100"}, {"kilometers", "kilometer", "meters", "1000"},
        {"hours", "hour", "minutes", "60"}, {"minutes", "minute", "seconds", "60"},
        {"kilograms", "kilogram", "grams", "1000"}, {"days", "day", "hours", "24"}
    };

    static List<RawDocument> units(String idPrefix, int documents, long seed) {
        Random rng = new Random(seed);
        List<RawDocument> docs = new ArrayList<>();
        for (int d = 0; d < documents; d++) {
            StringBuilder text = new StringBuilder();
            for (int f = 0; f < 5; f++) {
                String[] u = UNITS[rng.nextInt(UNITS.length)];
                int n = rng.nextInt(90) + 2;
                int factor = Integer.parseInt(u[3]);
                text.append(n)
                        .append(' ')
                        .append(u[0])
                        .append(" is ")
                        .append(n * factor)
                        .append(' ')
                        .append(u[2])
                        .append(", because one ")
                        .append(u[1])
                        .append(" has ")
                        .append(factor)
                        .append(' ')
                        .append(u[2])
                        .append(". ");
            }
            docs.add(
                    new RawDocument(idPrefix + "-" + d, "units", text.toString().strip(), "e2e"));
        }
        return docs;
    }

    /** What ingest answered for every document posted through {@link #post}. */
    static final class Ledger {
        final Map<String, String> acceptedSplit = new LinkedHashMap<>();
        final Map<String, String> duplicates = new LinkedHashMap<>();
        /** "reason: message" per rejected line. */
        final List<String> rejections = new ArrayList<>();

        int posted;

        List<String> accepted(String split) {
            return acceptedSplit.entrySet().stream()
                    .filter(e -> e.getValue().equals(split))
                    .map(Map.Entry::getKey)
                    .toList();
        }

        @Override
        public String toString() {
            return "posted " + posted + ", accepted " + acceptedSplit.size() + " (train "
                    + accepted("TRAIN").size()
                    + ", held out " + accepted("HELDOUT").size() + "), duplicates " + duplicates.size()
                    + ", rejected " + rejections.size();
        }
    }

    /**
     * Posts the documents as one JSONL request (with {@code apiKey} in X-API-Key when not null) and records every
     * line's outcome. Returns the HTTP status; a 503 (broker unavailable) records nothing, so the caller may retry.
     */
    static int post(Stack stack, List<RawDocument> docs, Ledger ledger, String apiKey)
            throws IOException, InterruptedException {
        String body = docs.stream().map(Json::write).collect(Collectors.joining("\n"));
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        stack.service(Service.INGEST).url("/documents"))
                .timeout(Duration.ofMinutes(2))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) {
            request.header("X-API-Key", apiKey);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202 && response.statusCode() != 400) {
            return response.statusCode();
        }
        IngestReply outcome = Json.read(response.body(), IngestReply.class);
        ledger.posted += docs.size();
        outcome.accepted().forEach(a -> ledger.acceptedSplit.put(a.id(), a.split()));
        outcome.duplicates().forEach(d -> ledger.duplicates.put(d.id(), d.kind()));
        outcome.rejected()
                .forEach(r -> ledger.rejections.add(
                        Objects.toString(r.reason(), "") + ": " + Objects.toString(r.message(), "")));
        return response.statusCode();
    }

    /** Posts, retrying while ingest answers 503 (the broker is away during a drill), until {@code timeout}. */
    static void postUntilTaken(Stack stack, List<RawDocument> docs, Ledger ledger, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int status;
        while ((status = post(stack, docs, ledger, null)) == 503 && System.nanoTime() < deadline) {
            Thread.sleep(1000);
        }
        if (status != 202 && status != 400) {
            throw new AssertionError("ingest answered " + status + " for " + docs.size() + " documents");
        }
    }
}

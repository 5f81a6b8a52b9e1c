package dev.cpt.ingest;

import dev.cpt.contracts.IngestReply;
import dev.cpt.service.ApiKeys;
import dev.cpt.service.ErrorBodies.ErrorBody;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /documents}: one JSON document, or JSONL (one document per line), read as a stream: a JSONL upload is
 * ingested chunk by chunk while it arrives, so its size is bounded by {@code cpt.ingest.max-request-bytes}, not by
 * memory. Every line gets its own outcome: accepted (with id, domain, split, tokens, quality score), duplicate (already
 * stored; not an error), or rejected (reason and message; also written to {@code cpt.dlq.ingest}).
 *
 * <p>Status: 202 when every document is accounted for and at least one was stored or found already stored; 400 when
 * none was (every line rejected, or no document at all); 503 when the broker did not take documents (retry them);
 * 413 when the body exceeds the limit (documents before the limit were ingested and are listed); 401 when an API
 * key is configured and the {@code X-API-Key} header does not carry it.
 */
@Path("/documents")
@Produces(MediaType.APPLICATION_JSON)
public class DocumentResource {
    public static final String JSONL = "application/x-ndjson";

    private final IngestService service;

    DocumentResource(IngestService service) {
        this.service = service;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response postJson(
            @HeaderParam(ApiKeys.HEADER) String apiKey, @HeaderParam("Content-Length") Long length, InputStream body) {
        return handle(apiKey, length, body, false);
    }

    @POST
    @Consumes({JSONL, "application/jsonl"})
    public Response postJsonLines(
            @HeaderParam(ApiKeys.HEADER) String apiKey, @HeaderParam("Content-Length") Long length, InputStream body) {
        return handle(apiKey, length, body, true);
    }

    private Response handle(String apiKey, Long length, InputStream body, boolean lines) {
        if (!authorised(apiKey)) {
            return error(401, "missing or wrong " + ApiKeys.HEADER + " header");
        }
        long limit = service.config().maxRequestBytes();
        if (length != null && length > limit) {
            return error(413, "the request body is " + length + " bytes, the limit is " + limit);
        }
        Outcomes outcomes = new Outcomes();
        try (InputStream in = new BoundedInputStream(body, limit)) {
            if (lines) {
                ingestLines(in, outcomes);
            } else {
                byte[] all = in.readAllBytes();
                if (!isBlank(all)) {
                    ingestChunk(List.of(Ingester.Item.json(Origin.http(), all)), List.of(1), outcomes);
                }
            }
        } catch (BoundedInputStream.LimitExceeded e) {
            return Response.status(413)
                    .entity(outcomes.reply("the request body exceeds the limit of " + limit
                            + " bytes; the documents before it are listed"))
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (outcomes.isEmpty()) {
            var none =
                    new IngestReply.Rejection(0, RejectedDocumentException.EMPTY, "the request body holds no document");
            return Response.status(400)
                    .entity(new IngestReply(List.of(), List.of(), List.of(none), null))
                    .build();
        }
        return Response.status(outcomes.status()).entity(outcomes.reply(null)).build();
    }

    private void ingestLines(InputStream in, Outcomes outcomes) throws IOException {
        int chunk = service.config().chunkDocuments();
        LineReader reader = new LineReader(in, 0, service.validator().jsonLimit() + 1);
        List<Ingester.Item> items = new ArrayList<>(chunk);
        List<Integer> lineNumbers = new ArrayList<>(chunk);
        int lineNo = 0;
        byte[] line;
        while ((line = reader.next()) != null) {
            lineNo++;
            if (isBlank(line)) {
                continue;
            }
            items.add(Ingester.Item.json(Origin.http(), line));
            lineNumbers.add(lineNo);
            if (items.size() == chunk) {
                ingestChunk(items, lineNumbers, outcomes);
                items = new ArrayList<>(chunk);
                lineNumbers = new ArrayList<>(chunk);
            }
        }
        ingestChunk(items, lineNumbers, outcomes);
    }

    private void ingestChunk(List<Ingester.Item> items, List<Integer> lineNumbers, Outcomes outcomes) {
        if (items.isEmpty()) {
            return;
        }
        List<Outcome> results = service.ingester().ingest(items, true);
        for (int i = 0; i < results.size(); i++) {
            outcomes.add(lineNumbers.get(i), results.get(i));
        }
    }

    private boolean authorised(String given) {
        return service.config()
                .apiKey()
                .map(expected -> ApiKeys.matches(expected, given))
                .orElse(true);
    }

    private static Response error(int status, String message) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(new ErrorBody(message))
                .build();
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }

    /** Collects one outcome per non-blank line while an upload is read; the reply is built once at the end. */
    private static final class Outcomes {
        private final List<IngestReply.Accepted> accepted = new ArrayList<>();
        private final List<IngestReply.Duplicate> duplicates = new ArrayList<>();
        private final List<IngestReply.Rejection> rejected = new ArrayList<>();
        private boolean unavailable;

        void add(int line, Outcome outcome) {
            if (outcome instanceof Outcome.Accepted a) {
                accepted.add(new IngestReply.Accepted(
                        line,
                        a.document().id(),
                        a.domain(),
                        a.split().name(),
                        a.document().tokens().length,
                        a.document().quality().getOrDefault(QualityScorer.SCORE, 0.0)));
            } else if (outcome instanceof Outcome.Duplicate d) {
                duplicates.add(new IngestReply.Duplicate(
                        line, d.id(), d.domain(), d.kind().tag()));
            } else if (outcome instanceof Outcome.Rejected r) {
                unavailable |= r.reason().equals(RejectedDocumentException.UNAVAILABLE);
                rejected.add(
                        new IngestReply.Rejection(line, r.reason(), r.error().detail()));
            }
        }

        boolean isEmpty() {
            return accepted.isEmpty() && duplicates.isEmpty() && rejected.isEmpty();
        }

        int status() {
            if (unavailable) {
                return 503;
            }
            return accepted.isEmpty() && duplicates.isEmpty() ? 400 : 202;
        }

        IngestReply reply(String error) {
            return new IngestReply(accepted, duplicates, rejected, error);
        }
    }
}

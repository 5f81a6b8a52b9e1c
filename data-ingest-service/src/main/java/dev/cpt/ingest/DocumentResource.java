package dev.cpt.ingest;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.MalformedMessageException;
import dev.cpt.contracts.RawDocument;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /documents}: one JSON document, or JSONL (one document per line). Each line gets its own outcome;
 * the response is 202 when at least one document was stored, 400 when none was.
 */
@Path("/documents")
@Produces(MediaType.APPLICATION_JSON)
public class DocumentResource {
    public static final String JSONL = "application/x-ndjson";

    private final IngestPipeline pipeline;

    DocumentResource(IngestPipeline pipeline) {
        this.pipeline = pipeline;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> postJson(String body) {
        return ingestAll(body.isBlank() ? List.of() : List.of(body));
    }

    @POST
    @Consumes({JSONL, "application/jsonl"})
    public Uni<Response> postJsonLines(String body) {
        return ingestAll(body.lines().filter(l -> !l.isBlank()).toList());
    }

    private Uni<Response> ingestAll(List<String> documents) {
        if (documents.isEmpty()) {
            return Uni.createFrom().item(Response.status(400).entity(new Outcomes(List.of(),
                    List.of(new Rejection(0, "empty", "the request body holds no document")))).build());
        }
        return Multi.createFrom().range(0, documents.size())
                .onItem().transformToUniAndConcatenate(i -> ingestLine(i + 1, documents.get(i)))
                .collect().asList()
                .map(DocumentResource::toResponse);
    }

    private Uni<Object> ingestLine(int line, String json) {
        RawDocument raw;
        try {
            raw = Json.read(json, RawDocument.class);
        } catch (MalformedMessageException e) {
            return Uni.createFrom().item(new Rejection(line, "malformed", e.getMessage()));
        }
        return pipeline.ingest(raw, "http")
                .map(r -> (Object) r)
                .onFailure(RejectedDocumentException.class)
                .recoverWithItem(e -> new Rejection(line, ((RejectedDocumentException) e).reason(), e.getMessage()));
    }

    private static Response toResponse(List<Object> outcomes) {
        List<IngestPipeline.IngestResult> accepted = new ArrayList<>();
        List<Rejection> rejected = new ArrayList<>();
        for (Object o : outcomes) {
            if (o instanceof IngestPipeline.IngestResult r) {
                accepted.add(r);
            } else {
                rejected.add((Rejection) o);
            }
        }
        int status = accepted.isEmpty() ? 400 : 202;
        return Response.status(status).entity(new Outcomes(accepted, rejected)).build();
    }

    public record Rejection(int line, String reason, String message) {}

    public record Outcomes(List<IngestPipeline.IngestResult> accepted, List<Rejection> rejected) {
    }
}

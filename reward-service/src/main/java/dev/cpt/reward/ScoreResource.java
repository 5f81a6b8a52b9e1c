package dev.cpt.reward;

import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** {@code POST /score}: a batch of (completion, reference) pairs in, one reward per pair out, in order. */
@Path("/score")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class ScoreResource {
    private final RewardScorer scorer;
    private final RewardConfig config;

    ScoreResource(RewardScorer scorer, RewardConfig config) {
        this.scorer = scorer;
        this.config = config;
    }

    @POST
    public ScoreResponse score(ScoreRequest request) {
        if (request == null || request.pairs() == null || request.pairs().isEmpty()) {
            throw new BadRequestException("the request holds no pairs to score");
        }
        if (request.pairs().size() > config.maxBatchSize()) {
            throw new BadRequestException(request.pairs().size() + " pairs, the limit is " + config.maxBatchSize());
        }
        try {
            return new ScoreResponse(request.pairs().stream()
                    .map(p -> scorer.score(p.completion(), p.reference(), "http"))
                    .toList());
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(e.getMessage());
        }
    }

    public record Pair(String completion, String reference) {}

    public record ScoreRequest(List<Pair> pairs) {}

    public record ScoreResponse(List<Double> rewards) {}
}

package dev.cpt.reward;

import dev.cpt.contracts.RewardScoring;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.ServiceUnavailableException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code POST /score}: a batch of (completion, reference) pairs in, one reward per pair out, in order, with each
 * pair's terms beside it (see {@link RewardTerms}). 400 for malformed input, 413 for a text or batch over the bound, 503 when the scoring queue
 * is full or the model too slow.
 */
@Path(RewardScoring.PATH)
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class ScoreResource {
    private final RewardScorer scorer;

    ScoreResource(RewardScorer scorer) {
        this.scorer = scorer;
    }

    @POST
    @Blocking
    public RewardScoring.Reply score(RewardScoring.Request request) throws InterruptedException {
        if (request == null || request.pairs() == null) {
            throw new BadRequestException("the request holds no pairs to score");
        }
        try {
            List<PairScorer.Scored> scored = scorer.score(
                    request.pairs().stream()
                            .map(p -> p == null ? null : new PairScorer.Pair(p.completion(), p.reference()))
                            .toList(),
                    "http",
                    false,
                    false);
            return new RewardScoring.Reply(
                    scored.stream().map(PairScorer.Scored::reward).toList(),
                    scored.stream().map(PairScorer.Scored::terms).toList());
        } catch (InputTooLongException e) {
            throw new WebApplicationException(e.getMessage(), Response.Status.REQUEST_ENTITY_TOO_LARGE);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(e.getMessage());
        } catch (RejectedExecutionException | PairScorer.ScoringTimeoutException e) {
            throw new ServiceUnavailableException(e.getMessage());
        }
    }
}

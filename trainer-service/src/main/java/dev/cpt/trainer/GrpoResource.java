package dev.cpt.trainer;

import dev.cpt.contracts.GrpoSpec;
import dev.cpt.contracts.GrpoStatus;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Collection;

/**
 * {@code POST /grpo} queues a GRPO stage (every field of {@link GrpoSpec} optional; 202 with the stage, whose id
 * {@code GET /grpo/{id}} follows); a spec out of bounds gets 400 listing every problem. {@code GET /grpo} lists them.
 */
@Path("/grpo")
@Produces(MediaType.APPLICATION_JSON)
public class GrpoResource {
    private final GrpoStages stages;

    GrpoResource(GrpoStages stages) {
        this.stages = stages;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response start(GrpoSpec spec) {
        try {
            return Response.accepted(stages.start(spec)).build();
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(e.getMessage());
        }
    }

    @GET
    @Path("/{id}")
    public GrpoStatus get(@PathParam("id") String id) {
        return stages.get(id).orElseThrow(() -> new NotFoundException("no GRPO stage " + id));
    }

    @GET
    public Collection<GrpoStatus> all() {
        return stages.all();
    }
}

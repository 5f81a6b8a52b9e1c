package dev.cpt.trainer;

import dev.cpt.contracts.SchedulePhase;
import jakarta.ws.rs.ClientErrorException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** The operator's handles on the schedule: see where the run is, open a phase, ask for a cooldown. */
@Path("/schedule")
@Produces(MediaType.APPLICATION_JSON)
public class ScheduleResource {
    private final BatchTrainer trainer;

    ScheduleResource(BatchTrainer trainer) {
        this.trainer = trainer;
    }

    @GET
    public SchedulePhase state() {
        return trainer.phaseState();
    }

    @POST
    @Path("/phases")
    public SchedulePhase startPhase() {
        return trainer.startPhase();
    }

    @POST
    @Path("/cooldown")
    public SchedulePhase startCooldown() {
        try {
            return trainer.startCooldown();
        } catch (IllegalStateException e) {
            throw new ClientErrorException(e.getMessage(), 409);
        }
    }
}

package dev.cpt.service;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** A REST endpoint for ApiKeyFilterTest, as a service's own endpoints (GET /schedule, POST /score) are. */
@Path("/ping")
public class PingResource {
    @GET
    public String ping() {
        return "pong";
    }
}

package dev.cpt.service;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every HTTP error a service raises on purpose reaches the client as {@code {"error": "<reason>"}} with its status. */
public class ErrorBodies {

    public record ErrorBody(String error) {}

    @ServerExceptionMapper
    public Response toBody(WebApplicationException e) {
        return Response.status(e.getResponse().getStatus())
                .type(MediaType.APPLICATION_JSON)
                .entity(new ErrorBody(e.getMessage()))
                .build();
    }
}

package dev.cpt.service;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Requires {@code cpt.security.api-key} on every REST endpoint when it is configured. The filter runs for JAX-RS
 * resources only: {@code /q/health} and {@code /q/metrics} are Vert.x routes outside JAX-RS and stay open, because
 * Kubernetes/compose probes and Prometheus scrape them without credentials, and they reveal counts and states, never
 * documents or weights. Put them behind the network (or a proxy) if even that is too much.
 */
public class ApiKeyFilter {
    private static final String BEARER = "Bearer ";

    private final SecurityConfig config;

    ApiKeyFilter(SecurityConfig config) {
        this.config = config;
    }

    @ServerRequestFilter
    public Response requireApiKey(ContainerRequestContext request) {
        if (config.apiKey().isEmpty() || request.getUriInfo().getPath().startsWith("/q/")) {
            return null;
        }
        String expected = config.apiKey().get();
        if (ApiKeys.matches(expected, request.getHeaderString(ApiKeys.HEADER))
                || ApiKeys.matches(expected, bearer(request))) {
            return null;
        }
        return Response.status(Response.Status.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .type(MediaType.APPLICATION_JSON)
                .entity(new ErrorBodies.ErrorBody(
                        "missing or wrong API key: send it in " + ApiKeys.HEADER + " or as Authorization: Bearer"))
                .build();
    }

    private static String bearer(ContainerRequestContext request) {
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        return authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? authorization.substring(BEARER.length()).strip()
                : null;
    }
}

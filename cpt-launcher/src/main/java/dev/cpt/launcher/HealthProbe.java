package dev.cpt.launcher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalInt;

/** One GET of a service's SmallRye Health endpoint, for those that only need its answer's status code. */
final class HealthProbe {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private HealthProbe() {}

    /** 200 for UP, 503 for DOWN; empty when the service did not answer within 3 s (not listening, busy, gone). */
    static OptionalInt statusCode(URI endpoint) throws InterruptedException {
        try {
            return OptionalInt.of(HTTP.send(
                            HttpRequest.newBuilder(endpoint)
                                    .timeout(Duration.ofSeconds(3))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode());
        } catch (IOException noAnswer) {
            return OptionalInt.empty();
        }
    }
}

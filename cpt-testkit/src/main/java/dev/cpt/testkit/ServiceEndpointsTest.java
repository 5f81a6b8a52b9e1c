package dev.cpt.testkit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.restassured.response.ValidatableResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The endpoints every service must serve, over real HTTP: health (with the Kafka check) and the Prometheus
 * scrape. A service's test extends this, runs as a {@code @QuarkusTest} against the embedded broker, and names
 * the meters its work must have registered by the time {@link #exerciseService()} returns.
 */
public abstract class ServiceEndpointsTest {

    /** Does the service's work once (a document, a batch, a request...) so that its meters exist. */
    protected abstract void exerciseService();

    /** Prometheus names of meters the scrape must contain after {@link #exerciseService()}. */
    protected abstract List<String> expectedMeters();

    @Test
    void healthIsUpAndChecksKafka() {
        given().when()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("Kafka connection health check"));
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void metricsScrapeHoldsTheServiceMeters() {
        exerciseService();
        ValidatableResponse scrape = given().when().get("/q/metrics").then().statusCode(200);
        scrape.body(containsString("jvm_memory_used_bytes"));
        for (String meter : expectedMeters()) {
            scrape.body(containsString(meter));
        }
    }
}

package dev.cpt.ingest;

import static io.restassured.RestAssured.given;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.RawDocument;
import dev.cpt.testkit.EmbeddedKafkaResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

/** With {@code cpt.ingest.api-key} set, posting needs the key; health and metrics stay open. */
@QuarkusTest
@TestProfile(ApiKeyTest.WithApiKey.class)
@WithTestResource(EmbeddedKafkaResource.class)
class ApiKeyTest {
    public static final class WithApiKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("cpt.ingest.api-key", "s3cret", "cpt.ingest.inbox.enabled", "false");
        }
    }

    private final String body = Json.write(new RawDocument("key-1", "security", "Keys open locks.", null));

    @Test
    void aPostWithoutTheKeyOrWithAWrongOneIsUnauthorised() {
        given().contentType("application/json")
                .body(body)
                .when()
                .post("/documents")
                .then()
                .statusCode(401)
                .body("error", Matchers.containsString("X-API-Key"));
        given().header("X-API-Key", "guess")
                .contentType("application/json")
                .body(body)
                .when()
                .post("/documents")
                .then()
                .statusCode(401);
    }

    @Test
    void aPostWithTheKeyIsAccepted() {
        given().header("X-API-Key", "s3cret")
                .contentType("application/json")
                .body(body)
                .when()
                .post("/documents")
                .then()
                .statusCode(202);
    }

    @Test
    void healthAndMetricsNeedNoKey() {
        given().when().get("/q/health/ready").then().statusCode(200);
        given().when().get("/q/metrics").then().statusCode(200);
    }
}

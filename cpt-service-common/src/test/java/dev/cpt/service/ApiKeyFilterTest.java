package dev.cpt.service;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** With {@code cpt.security.api-key} set (src/test/resources/application.properties), REST needs it; probes do not. */
@QuarkusTest
class ApiKeyFilterTest {
    private static final String KEY = "s3cret-test-key";

    @Test
    void withoutTheKeyARestEndpointAnswers401WithAJsonReason() {
        given().when()
                .get("/ping")
                .then()
                .statusCode(401)
                .header("WWW-Authenticate", "Bearer")
                .body("error", containsString("API key"));
    }

    @Test
    void aWrongKeyIsRefusedInEitherHeader() {
        given().header("X-API-Key", KEY + "x").when().get("/ping").then().statusCode(401);
        given().header("Authorization", "Bearer " + KEY.substring(1))
                .when()
                .get("/ping")
                .then()
                .statusCode(401);
        given().header("Authorization", "Basic " + KEY)
                .when()
                .get("/ping")
                .then()
                .statusCode(401);
    }

    @Test
    void theKeyOpensTheEndpointInXApiKeyOrAsABearerToken() {
        given().header("X-API-Key", KEY)
                .when()
                .get("/ping")
                .then()
                .statusCode(200)
                .body(equalTo("pong"));
        given().header("Authorization", "Bearer " + KEY)
                .when()
                .get("/ping")
                .then()
                .statusCode(200)
                .body(equalTo("pong"));
    }

    @Test
    void healthAndMetricsStayOpenForProbesAndScrapes() {
        given().when().get("/q/health/ready").then().statusCode(200);
        given().when().get("/q/health/live").then().statusCode(200);
        given().when().get("/q/metrics").then().statusCode(200).body(containsString("jvm_"));
    }
}

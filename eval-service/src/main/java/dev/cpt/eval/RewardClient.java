package dev.cpt.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cpt.contracts.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The reward service's semantic score over HTTP: {@code POST /score} with {@code
 * {"pairs":[{"completion","reference"}]}},
 * answered by {@code {"rewards":[...]}} in the same order. Sent in chunks the service accepts.
 */
final class RewardClient {
    static final int MAX_PAIRS_PER_CALL = 128;

    private final URI endpoint;
    private final Duration timeout;
    private final HttpClient http;

    RewardClient(String baseUrl, Duration timeout) {
        this.endpoint = URI.create(baseUrl.replaceAll("/+$", "") + "/score");
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    record Pair(String completion, String reference) {}

    /** One reward per pair, in order; throws with the service's answer when it refuses. */
    List<Double> score(List<Pair> pairs) throws IOException, InterruptedException {
        List<Double> rewards = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i += MAX_PAIRS_PER_CALL) {
            List<Pair> chunk = pairs.subList(i, Math.min(pairs.size(), i + MAX_PAIRS_PER_CALL));
            HttpRequest request = HttpRequest.newBuilder(endpoint)
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("pairs", chunk))))
                    .build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("reward service answered " + response.statusCode() + ": " + response.body());
            }
            JsonNode values = Json.MAPPER.readTree(response.body()).get("rewards");
            if (values == null || !values.isArray() || values.size() != chunk.size()) {
                throw new IOException("reward service sent no reward per pair: " + response.body());
            }
            values.forEach(v -> rewards.add(v.asDouble()));
        }
        return rewards;
    }
}

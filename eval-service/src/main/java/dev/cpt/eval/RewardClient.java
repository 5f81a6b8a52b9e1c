package dev.cpt.eval;

import dev.cpt.contracts.Json;
import dev.cpt.contracts.MalformedMessageException;
import dev.cpt.contracts.RewardScoring;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The reward service's semantic score over HTTP ({@link RewardScoring}), sent in chunks the service accepts.
 */
final class RewardClient {
    static final int MAX_PAIRS_PER_CALL = 128;

    private final URI endpoint;
    private final Duration timeout;
    private final HttpClient http;

    RewardClient(String baseUrl, Duration timeout) {
        this.endpoint = URI.create(baseUrl.replaceAll("/+$", "") + RewardScoring.PATH);
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** One reward per pair, in order; throws with the service's answer when it refuses. */
    List<Double> score(List<RewardScoring.Pair> pairs) throws IOException, InterruptedException {
        List<Double> rewards = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i += MAX_PAIRS_PER_CALL) {
            List<RewardScoring.Pair> chunk = pairs.subList(i, Math.min(pairs.size(), i + MAX_PAIRS_PER_CALL));
            HttpRequest request = HttpRequest.newBuilder(endpoint)
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(new RewardScoring.Request(chunk))))
                    .build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("reward service answered " + response.statusCode() + ": " + response.body());
            }
            List<Double> values = reply(response.body()).rewards();
            if (values == null || values.size() != chunk.size() || values.contains(null)) {
                throw new IOException("reward service sent no reward per pair: " + response.body());
            }
            rewards.addAll(values);
        }
        return rewards;
    }

    private static RewardScoring.Reply reply(String body) throws IOException {
        try {
            return Json.read(body, RewardScoring.Reply.class);
        } catch (MalformedMessageException e) {
            throw new IOException("reward service sent an unreadable reply: " + e.getMessage(), e);
        }
    }
}

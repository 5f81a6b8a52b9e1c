package dev.cpt.trainer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RewardRequest;
import dev.cpt.trainer.grpo.RewardSource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark's reward, answered at once: either in process with the lexical reward the reward service shipped
 * before its encoder (cosine of character-trigram counts, the formula of reward-service's former
 * {@code TextSimilarity}), or by calling a running reward service's {@code POST /score}.
 */
final class ScoringRewards implements RewardSource {
    private final URI scoreUrl;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, Double> answers = new HashMap<>();

    /** @param scoreUrl a reward service's {@code /score} endpoint, or null for the in-process trigram cosine */
    ScoringRewards(URI scoreUrl) {
        this.scoreUrl = scoreUrl;
    }

    String describe() {
        return scoreUrl == null
                ? "in-process character-trigram cosine (the lexical reward reward-service used before its encoder)"
                : "reward service POST " + scoreUrl;
    }

    @Override
    public synchronized void request(List<RewardRequest> requests) {
        List<Double> rewards = scoreUrl == null
                ? requests.stream()
                        .map(r -> trigramCosine(r.completion(), r.reference()))
                        .toList()
                : post(requests);
        for (int i = 0; i < requests.size(); i++) {
            answers.put(requests.get(i).requestId(), rewards.get(i));
        }
    }

    private List<Double> post(List<RewardRequest> requests) {
        List<Map<String, String>> pairs = requests.stream()
                .map(r -> Map.of("completion", r.completion(), "reference", r.reference()))
                .toList();
        HttpRequest request = HttpRequest.newBuilder(scoreUrl)
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("pairs", pairs))))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(
                        "POST " + scoreUrl + " answered " + response.statusCode() + ": " + response.body());
            }
            List<Double> out = new ArrayList<>();
            for (JsonNode reward : Json.MAPPER.readTree(response.body()).get("rewards")) {
                out.add(reward.asDouble());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("POST " + scoreUrl + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized Map<String, Double> await(Collection<String> requestIds, Duration timeout) {
        return RewardSource.take(answers, requestIds);
    }

    @Override
    public synchronized void abandon(Collection<String> requestIds) {
        requestIds.forEach(answers::remove);
    }

    static double trigramCosine(String a, String b) {
        Map<String, Integer> va = trigrams(a);
        Map<String, Integer> vb = trigrams(b);
        if (va.isEmpty() || vb.isEmpty()) {
            return va.isEmpty() && vb.isEmpty() ? 1.0 : 0.0;
        }
        double dot = 0;
        for (var e : va.entrySet()) {
            dot += (double) e.getValue() * vb.getOrDefault(e.getKey(), 0);
        }
        return dot / (norm(va) * norm(vb));
    }

    private static Map<String, Integer> trigrams(String text) {
        String t = " " + text.toLowerCase(Locale.ROOT).strip().replaceAll("\\s+", " ") + " ";
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i + 3 <= t.length(); i++) {
            counts.merge(t.substring(i, i + 3), 1, Integer::sum);
        }
        return t.isBlank() ? Map.of() : counts;
    }

    private static double norm(Map<String, Integer> v) {
        double s = 0;
        for (int c : v.values()) {
            s += (double) c * c;
        }
        return Math.sqrt(s);
    }
}

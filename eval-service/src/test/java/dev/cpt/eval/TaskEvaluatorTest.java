package dev.cpt.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.cpt.contracts.EvalReport.TaskScore;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.RewardScoring;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.SamplingSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Task evals against a real HTTP server that speaks the reward service's {@code POST /score} contract. */
class TaskEvaluatorTest {
    @TempDir
    Path dir;

    private HttpServer server;
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private volatile int status = 200;

    @BeforeEach
    void startRewardService() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        // Reward = 1 when completion equals reference, else 0.25: enough to check order and averaging.
        server.createContext("/score", exchange -> {
            JsonNode body = Json.MAPPER.readTree(exchange.getRequestBody());
            requests.add(body);
            List<Double> rewards = new ArrayList<>();
            body.get("pairs")
                    .forEach(p -> rewards.add(
                            p.get("completion")
                                            .asText()
                                            .equals(p.get("reference").asText())
                                    ? 1.0
                                    : 0.25));
            byte[] answer = (status == 200 ? Json.write(Map.of("rewards", rewards)) : "{\"error\":\"no\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void answersAreScoredByExactMatchAndByTheRewardService() throws Exception {
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 3)) {
            // Reference 1 is what the model really answers greedily, padded with spaces (an exact match, though not
            // verbatim); reference 2 is not.
            int[] prompt = model.tokenizer().encode("2+2=");
            String actual = model.tokenizer()
                    .decode(model.generate(
                            prompt, SamplingSettings.greedy(8).withStopTokens(Set.of(10)), new Random(0)));
            Path file = dir.resolve("arith.jsonl");
            Files.writeString(
                    file,
                    Json.write(Map.of("prompt", "2+2=", "reference", "  " + actual + " ")) + "\n\n"
                            + Json.write(Map.of("prompt", "3+3=", "reference", "six, certainly not this")) + "\n");

            var tasks = new TaskEvaluator(
                    List.of(QuestionSet.load(file)), new RewardClient(url(), java.time.Duration.ofSeconds(5)), 8, 10);
            TaskScore score = tasks.score(model).get("arith");

            assertEquals(2, score.questions());
            assertEquals(0.5, score.exactMatch(), 1e-12);
            assertEquals(64, score.sha256().length());
            assertEquals(1, requests.size());
            JsonNode pairs = requests.get(0).get("pairs");
            assertEquals(actual, pairs.get(0).get("completion").asText());
            assertEquals(
                    "six, certainly not this", pairs.get(1).get("reference").asText());
            assertEquals((0.25 + 0.25) / 2, score.semanticScore(), 1e-12); // references differ from answers verbatim
            assertEquals(score, tasks.score(model).get("arith"), "greedy answers are deterministic");
        }
    }

    @Test
    void exactMatchIgnoresCaseAndSpacing() {
        assertEquals("a b", TaskEvaluator.normalise("  A \n\t b "));
    }

    @Test
    void aFailingRewardServiceLeavesTheSemanticScoreOut() throws Exception {
        status = 500;
        Path file = dir.resolve("t.jsonl");
        Files.writeString(file, "{\"prompt\":\"hi\",\"reference\":\"there\"}\n");
        try (LanguageModel model = LanguageModel.create(GptConfig.tiny(), 3)) {
            var tasks = new TaskEvaluator(
                    List.of(QuestionSet.load(file)), new RewardClient(url(), java.time.Duration.ofSeconds(5)), 4, -1);
            assertNull(tasks.score(model).get("t").semanticScore());
        }
        var client = new RewardClient(url(), java.time.Duration.ofSeconds(5));
        var e = assertThrows(IOException.class, () -> client.score(List.of(new RewardScoring.Pair("a", "b"))));
        assertTrue(e.getMessage().contains("500"), e.getMessage());
    }

    @Test
    void manyPairsGoInSeveralCallsInOrder() throws Exception {
        var client = new RewardClient(url() + "/", java.time.Duration.ofSeconds(5));
        List<RewardScoring.Pair> pairs = new ArrayList<>();
        for (int i = 0; i < RewardClient.MAX_PAIRS_PER_CALL + 3; i++) {
            pairs.add(new RewardScoring.Pair("x" + i, i % 2 == 0 ? "x" + i : "y"));
        }
        List<Double> rewards = client.score(pairs);
        assertEquals(pairs.size(), rewards.size());
        assertEquals(2, requests.size());
        for (int i = 0; i < rewards.size(); i++) {
            assertEquals(i % 2 == 0 ? 1.0 : 0.25, rewards.get(i), 1e-12);
        }
    }

    @Test
    void aMalformedQuestionLineIsRefusedWithItsLineNumber() throws Exception {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, "{\"prompt\":\"a\",\"reference\":\"b\"}\n{\"prompt\":\"a\"}\n");
        var e = assertThrows(IllegalArgumentException.class, () -> QuestionSet.load(file));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }
}

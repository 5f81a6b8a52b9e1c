package dev.cpt.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.reward.encoder.BertConfig;
import dev.cpt.reward.encoder.ContrastivePairs;
import dev.cpt.reward.encoder.SentenceEncoder;
import dev.cpt.reward.encoder.WordPieceVocabulary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The micro-batcher in front of a real (randomly initialised) encoder, as the service wires it. */
class PairScorerTest {

    @Test
    void textsBatchedWithOthersGetTheEmbeddingTheyGetAlone() throws Exception {
        List<String> texts = List.of(
                "Adding 2 and 3 gives 5.",
                "The river runs past the old mill and under the stone bridge.",
                "Bees visit thousands of flowers in a single day.",
                "7 x 8 = 56.",
                "",
                "a",
                "A kitchen is a small workshop.",
                "Converting 3 hours to minutes gives 180, as each hour holds 60 minutes.");
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        try (SentenceEncoder encoder = randomEncoder();
                var batcher = new MicroBatcher<String, float[]>(
                        "test", 64, Duration.ofMillis(200), 100, t -> Arrays.asList(encoder.embed(t)), sizes::add)) {
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<float[]>> results = new ArrayList<>();
            for (String text : texts) {
                CompletableFuture<float[]> result = new CompletableFuture<>();
                results.add(result);
                new Thread(() -> {
                            try {
                                start.await();
                                batcher.submit(text).whenComplete((v, e) -> {
                                    if (e != null) {
                                        result.completeExceptionally(e);
                                    } else {
                                        result.complete(v);
                                    }
                                });
                            } catch (InterruptedException e) {
                                result.completeExceptionally(e);
                            }
                        })
                        .start();
            }
            start.countDown();
            for (int i = 0; i < texts.size(); i++) {
                float[] batched = results.get(i).get(60, TimeUnit.SECONDS);
                float[] alone = encoder.embed(List.of(texts.get(i)))[0];
                assertArrayEquals(alone, batched, 1e-5f, "'" + texts.get(i) + "' batched with others vs alone");
            }
            assertTrue(sizes.stream().anyMatch(s -> s > 1), "texts arriving together share a forward pass: " + sizes);
        }
    }

    @ParameterizedTest(name = "othersFollow={0}")
    @ValueSource(booleans = {false, true})
    void identicalTextsScoreOneAndEachPairGetsItsOwnScore(boolean othersFollow) throws Exception {
        try (SentenceEncoder encoder = randomEncoder();
                var batcher = new MicroBatcher<String, float[]>(
                        "test", 64, Duration.ofMillis(2), 100, t -> Arrays.asList(encoder.embed(t)), s -> {})) {
            PairScorer scorer = new PairScorer(
                    batcher,
                    new RewardTerms(new RewardTerms.Weights(1, 0, 0, 0), ".*[.]", 1, 1.5),
                    Duration.ofSeconds(60));
            String reference = "Three meters is 300 centimeters.";
            List<PairScorer.Scored> scored = scorer.score(
                    List.of(
                            new PairScorer.Pair(reference, reference),
                            new PairScorer.Pair("Bees visit thousands of flowers in a single day.", reference),
                            new PairScorer.Pair(reference, reference)),
                    false,
                    othersFollow);
            assertEquals(1.0, scored.get(0).reward(), 1e-12);
            assertEquals(1.0, scored.get(2).reward(), 1e-12);
            float[][] e = encoder.embed(List.of("Bees visit thousands of flowers in a single day.", reference));
            assertEquals(SentenceEncoder.cosine(e[0], e[1]), scored.get(1).reward(), 1e-5);
            assertTrue(scored.get(1).reward() < 1.0);
        }
    }

    private static SentenceEncoder randomEncoder() throws Exception {
        WordPieceVocabulary.Built vocab =
                WordPieceVocabulary.build(ContrastivePairs.vocabularyTexts(ContrastivePairs.builtInCorpus()), 600);
        return SentenceEncoder.create(new BertConfig(vocab.size(), 32, 2, 4, 64, 64, 2, 1e-12f), vocab.json(), 5);
    }
}

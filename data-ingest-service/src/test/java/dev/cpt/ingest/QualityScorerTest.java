package dev.cpt.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.ingest.bench.CorpusGenerator;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QualityScorerTest {
    private final QualityScorer scorer = new QualityScorer();

    @Test
    void ordinaryProseScoresHigh() {
        Map<String, Double> q = scorer.score(new CorpusGenerator(1).document(4000));
        assertTrue(q.get("score") > 0.95, q.toString());
        assertTrue(q.get("words") > 500);
        assertTrue(q.get("alpha_words") > 0.85);
        assertEquals(0.0, q.get("dup_line_chars"));
    }

    @Test
    void symbolSoupScoresLow() {
        String soup = "### ... ## 1234 5678 ### ... ## 99 ### %%% ... 1 2 3 ### ... ".repeat(10);
        Map<String, Double> q = scorer.score(soup);
        assertTrue(q.get("score") < 0.5, q.toString());
        assertTrue(q.get("symbol_ratio") > 0.1);
        assertTrue(q.get("alpha_words") < 0.8);
    }

    @Test
    void repetitionIsMeasured() {
        String refrain = "Buy cheap watches online today, best prices guaranteed here.\n".repeat(30);
        Map<String, Double> q = scorer.score(refrain);
        assertTrue(q.get("dup_line_chars") > 0.9, q.toString());
        assertTrue(q.get("dup_5gram_chars") > 0.9, q.toString());
        assertTrue(q.get("top_2gram_chars") > 0.1, q.toString());
        assertTrue(q.get("score") < 0.7, q.toString());
    }

    @Test
    void aShortButCleanNoteIsLoweredNotSunk() {
        Map<String, Double> q = scorer.score("Water boils at 100 degrees.");
        assertTrue(q.get("score") > 0.5 && q.get("score") < 1, q.toString());
    }

    @Test
    void everySignalIsReportedForEmptyText() {
        assertEquals(8, scorer.score("").size());
    }
}

package dev.cpt.eval;

import dev.cpt.contracts.EvalReport.TaskScore;
import dev.cpt.contracts.RewardScoring;
import dev.cpt.model.LanguageModel;
import dev.cpt.model.SamplingSettings;
import io.quarkus.logging.Log;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Task evals: each question is answered by greedy generation (bounded length, deterministic), scored by exact match
 * against its reference (after trimming, collapsing white space and folding case) and, when a reward service is
 * configured, by its semantic score (mean over the questions). A reward service that fails leaves the semantic score
 * out (null) and is logged; it does not fail the report.
 */
final class TaskEvaluator {
    private final List<QuestionSet> sets;
    private final RewardClient reward;
    private final SamplingSettings sampling;

    TaskEvaluator(List<QuestionSet> sets, RewardClient reward, int maxNewTokens, int stopToken) {
        this.sets = List.copyOf(sets);
        this.reward = reward;
        SamplingSettings greedy = SamplingSettings.greedy(maxNewTokens);
        this.sampling = stopToken >= 0 ? greedy.withStopTokens(Set.of(stopToken)) : greedy;
    }

    boolean isEmpty() {
        return sets.isEmpty();
    }

    java.util.Map<String, TaskScore> score(LanguageModel model) {
        java.util.Map<String, TaskScore> scores = new java.util.TreeMap<>();
        for (QuestionSet set : sets) {
            List<RewardScoring.Pair> pairs = new ArrayList<>();
            int exact = 0;
            for (QuestionSet.Question q : set.questions()) {
                int[] prompt = model.tokenizer().encode(q.prompt());
                String answer = model.tokenizer().decode(model.generate(prompt, sampling, new Random(0)));
                if (normalise(answer).equals(normalise(q.reference()))) {
                    exact++;
                }
                pairs.add(new RewardScoring.Pair(answer, q.reference()));
            }
            Double semantic = null;
            if (reward != null) {
                try {
                    semantic = reward.score(pairs).stream()
                            .mapToDouble(Double::doubleValue)
                            .average()
                            .orElseThrow();
                } catch (Exception e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    Log.warnf("task %s: no semantic score: %s", set.name(), e.getMessage());
                }
            }
            scores.put(
                    set.name(),
                    new TaskScore(
                            set.sha256(),
                            set.questions().size(),
                            (double) exact / set.questions().size(),
                            semantic));
        }
        return scores;
    }

    static String normalise(String text) {
        return text.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }
}

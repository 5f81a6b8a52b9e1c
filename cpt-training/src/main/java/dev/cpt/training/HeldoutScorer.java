package dev.cpt.training;

import dev.cpt.contracts.DomainScore;
import dev.cpt.model.LanguageModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Mean token cross-entropy of a model on one domain's held-out documents, as eval-service scores every checkpoint. A
 * document longer than the context is cut into consecutive windows of context + 1 tokens; every target token counts
 * exactly once. Rows are scored in a fixed order and grouping, so the same model on the same documents gives the same
 * numbers on every worker.
 */
public final class HeldoutScorer {
    private static final int ROWS_PER_CALL = 16;

    private HeldoutScorer() {}

    /** The score on one domain's documents (token ids), or null when they hold no target token. */
    public static DomainScore score(LanguageModel model, List<int[]> documents) {
        int window = model.decoderConfig().contextLength() + 1;
        List<int[]> rows = new ArrayList<>();
        for (int[] doc : documents) {
            // Windows overlap by one token so that the target of one window's last input is not lost.
            for (int start = 0; start + 1 < doc.length; start += window - 1) {
                rows.add(Arrays.copyOfRange(doc, start, Math.min(doc.length, start + window)));
            }
        }
        double lossSum = 0;
        long targets = 0;
        for (int i = 0; i < rows.size(); i += ROWS_PER_CALL) {
            int[][] chunk =
                    rows.subList(i, Math.min(rows.size(), i + ROWS_PER_CALL)).toArray(int[][]::new);
            double[] losses = model.sequenceLosses(chunk);
            for (int r = 0; r < chunk.length; r++) {
                lossSum += losses[r] * (chunk[r].length - 1);
                targets += chunk[r].length - 1;
            }
        }
        if (targets == 0) {
            return null;
        }
        double loss = lossSum / targets;
        return new DomainScore(loss, Math.exp(loss), targets);
    }
}

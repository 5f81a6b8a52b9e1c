package dev.cpt.reward;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Cosine similarity of character-trigram count vectors: identical texts score 1, texts that share no trigram 0.
 * It is lexical, not semantic; it is the reward until the encoder-only model of the reward issue replaces it,
 * behind the same {@link #similarity} call.
 */
public final class TextSimilarity {
    private TextSimilarity() {}

    public static double similarity(String a, String b) {
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

    static Map<String, Integer> trigrams(String text) {
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

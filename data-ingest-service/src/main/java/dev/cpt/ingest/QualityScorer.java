package dev.cpt.ingest;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Quality signals in the spirit of the Gopher (Rae et al. 2021) and C4 rules, and one score in [0, 1] that a
 * threshold filters on. Each rule scores 1 inside its Gopher bound and falls off in proportion outside it, and the
 * score is the geometric mean over the rules: one weak signal (a short note, a table of numbers, a repetitive
 * sentence) lowers a document, one that fails badly or several together sink it. The signals travel with the document,
 * so the mixer or an analyst can apply
 * stricter cuts later without re-ingesting.
 *
 * <ul>
 *   <li>{@code words}: at least 50 whitespace-separated words;
 *   <li>{@code mean_word_length}: between 3 and 10 characters;
 *   <li>{@code symbol_ratio}: hash signs and ellipses per word, at most 0.1;
 *   <li>{@code alpha_words}: share of words holding a letter, at least 0.8;
 *   <li>{@code dup_line_chars}: share of characters in repeated lines, at most 0.2;
 *   <li>{@code top_2gram_chars}: share of characters in the most frequent word pair, at most 0.2;
 *   <li>{@code dup_5gram_chars}: share of word characters inside repeated 5-word sequences, at most 0.15.
 * </ul>
 */
public final class QualityScorer {
    public static final String SCORE = "score";

    static final int MIN_WORDS = 50;
    static final double MIN_MEAN_WORD = 3;
    static final double MAX_MEAN_WORD = 10;
    static final double MAX_SYMBOL_RATIO = 0.1;
    static final double MIN_ALPHA_WORDS = 0.8;
    static final double MAX_DUP_LINE_CHARS = 0.2;
    static final double MAX_TOP_2GRAM = 0.2;
    static final double MAX_DUP_5GRAM = 0.15;

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long GOLDEN_POW5 = GOLDEN * GOLDEN * GOLDEN * GOLDEN * GOLDEN;

    /** The signals and the score of one normalised text; keys as listed above plus {@link #SCORE}. */
    public Map<String, Double> score(String text) {
        Words w = Words.of(text);
        double meanWord = w.count == 0 ? 0 : (double) w.wordChars / w.count;
        double symbolRatio = w.count == 0 ? 0 : (double) w.symbols / w.count;
        double alpha = w.count == 0 ? 0 : (double) w.alphaWords / w.count;
        double dupLines = duplicateLineChars(w);
        double top2 = topBigramChars(w);
        double dup5 = duplicateFiveGramChars(w);

        double score = geometricMean(
                atLeast(w.count, MIN_WORDS),
                between(meanWord, MIN_MEAN_WORD, MAX_MEAN_WORD),
                atMost(symbolRatio, MAX_SYMBOL_RATIO),
                atLeast(alpha, MIN_ALPHA_WORDS),
                atMost(dupLines, MAX_DUP_LINE_CHARS),
                atMost(top2, MAX_TOP_2GRAM),
                atMost(dup5, MAX_DUP_5GRAM));

        Map<String, Double> signals = new LinkedHashMap<>();
        signals.put(SCORE, round(score));
        signals.put("words", (double) w.count);
        signals.put("mean_word_length", round(meanWord));
        signals.put("symbol_ratio", round(symbolRatio));
        signals.put("alpha_words", round(alpha));
        signals.put("dup_line_chars", round(dupLines));
        signals.put("top_2gram_chars", round(top2));
        signals.put("dup_5gram_chars", round(dup5));
        return signals;
    }

    /** Each rule at least 0.01, so one rule at zero lowers the score a lot without making every other rule moot. */
    private static double geometricMean(double... rules) {
        double logSum = 0;
        for (double r : rules) {
            logSum += Math.log(Math.max(0.01, r));
        }
        return Math.exp(logSum / rules.length);
    }

    private static double atLeast(double value, double bound) {
        return value >= bound ? 1 : Math.max(0, value / bound);
    }

    private static double atMost(double value, double bound) {
        return value <= bound ? 1 : bound / value;
    }

    private static double between(double value, double low, double high) {
        return value < low ? value / low : value > high ? high / value : 1;
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    /** Lines are compared by the hashes of their words (see {@link Words}), so the text is scanned only once. */
    private static double duplicateLineChars(Words w) {
        LongCounter seen = new LongCounter(w.lines);
        long total = 0;
        long duplicated = 0;
        for (int i = 0; i < w.lines; i++) {
            total += w.lineChars[i];
            if (seen.increment(w.lineHashes[i]) > 1) {
                duplicated += w.lineChars[i];
            }
        }
        return total == 0 ? 0 : (double) duplicated / total;
    }

    private static double topBigramChars(Words w) {
        if (w.count < 2) {
            return 0;
        }
        LongCounter counts = new LongCounter(w.count);
        int best = 0;
        int bestChars = 0;
        for (int i = 1; i < w.count; i++) {
            int chars = w.lengths[i - 1] + w.lengths[i];
            int c = counts.increment(w.hashes[i - 1] * 31 + w.hashes[i]);
            if (c > best) {
                best = c;
                bestChars = chars;
            }
        }
        return best < 2 ? 0 : Math.min(1, (double) best * bestChars / w.wordChars);
    }

    private static double duplicateFiveGramChars(Words w) {
        int n = 5;
        if (w.count < 2 * n) {
            return 0;
        }
        long[] grams = new long[w.count - n + 1];
        LongCounter counts = new LongCounter(grams.length);
        // h(i) = w[i] C^5 + w[i+1] C^4 + ... + w[i+4] C (mod 2^64), rolled forward one word at a time
        long h = 0;
        for (int j = 0; j < n; j++) {
            h = (h + w.hashes[j]) * GOLDEN;
        }
        for (int i = 0; ; i++) {
            grams[i] = h;
            counts.increment(h);
            if (i + 1 == grams.length) {
                break;
            }
            h = (h - w.hashes[i] * GOLDEN_POW5 + w.hashes[i + n]) * GOLDEN;
        }
        boolean[] covered = new boolean[w.count];
        for (int i = 0; i < grams.length; i++) {
            if (counts.get(grams[i]) > 1) {
                java.util.Arrays.fill(covered, i, i + n, true);
            }
        }
        long chars = 0;
        for (int i = 0; i < w.count; i++) {
            chars += covered[i] ? w.lengths[i] : 0;
        }
        return (double) chars / w.wordChars;
    }

    /**
     * Whitespace-separated words with their hashes and lengths, the per-word counts the rules need, and each
     * non-empty line as the hash of its words and its length in characters.
     */
    private static final class Words {
        long[] hashes = new long[64];
        int[] lengths = new int[64];
        int count;
        long[] lineHashes = new long[16];
        int[] lineChars = new int[16];
        int lines;
        long wordChars;
        int symbols;
        int alphaWords;

        static Words of(String text) {
            Words w = new Words();
            int start = -1;
            int lineStart = 0;
            long line = 0;
            boolean alpha = false;
            long h = 0xcbf29ce484222325L;
            for (int i = 0, n = text.length(); i <= n; i++) {
                char c = i < n ? text.charAt(i) : '\n';
                if (c == ' ' || c == '\n' || c == '\t') {
                    if (start >= 0) {
                        long wordHash = MinHasher.mix(h);
                        w.add(wordHash, i - start, alpha);
                        line = (line + wordHash) * 0x9E3779B97F4A7C15L;
                        start = -1;
                        alpha = false;
                        h = 0xcbf29ce484222325L;
                    }
                    if (c == '\n') {
                        if (line != 0) {
                            w.addLine(line, i - lineStart);
                        }
                        line = 0;
                        lineStart = i + 1;
                    }
                    continue;
                }
                if (start < 0) {
                    start = i;
                }
                h = (h ^ c) * 0x100000001B3L;
                if (!alpha && (c < 0x80 ? ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') : Character.isLetter(c))) {
                    alpha = true;
                }
                if (c == '#'
                        || c == '\u2026'
                        || (c == '.' && i + 2 < n && text.charAt(i + 1) == '.' && text.charAt(i + 2) == '.')) {
                    w.symbols++;
                }
            }
            return w;
        }

        private void addLine(long hash, int chars) {
            if (lines == lineHashes.length) {
                lineHashes = java.util.Arrays.copyOf(lineHashes, lines * 2);
                lineChars = java.util.Arrays.copyOf(lineChars, lines * 2);
            }
            lineHashes[lines] = hash;
            lineChars[lines] = chars;
            lines++;
        }

        private void add(long hash, int length, boolean alpha) {
            if (count == hashes.length) {
                hashes = java.util.Arrays.copyOf(hashes, count * 2);
                lengths = java.util.Arrays.copyOf(lengths, count * 2);
            }
            hashes[count] = hash;
            lengths[count] = length;
            count++;
            wordChars += length;
            alphaWords += alpha ? 1 : 0;
        }
    }

    /** Counts per 64-bit key without boxing: open addressing, sized for the number of keys it will see. */
    private static final class LongCounter {
        private long[] keys;
        private int[] counts;
        private int mask;
        private int size;

        LongCounter(int expected) {
            int slots = Integer.highestOneBit(Math.max(4, expected) * 2 - 1) << 1;
            keys = new long[slots];
            counts = new int[slots];
            mask = slots - 1;
        }

        int increment(long key) {
            if (size * 2 >= keys.length) {
                grow();
            }
            long k = key == 0 ? 1 : key;
            int i = slot(k);
            while (keys[i] != 0 && keys[i] != k) {
                i = (i + 1) & mask;
            }
            if (keys[i] == 0) {
                keys[i] = k;
                size++;
            }
            return ++counts[i];
        }

        int get(long key) {
            long k = key == 0 ? 1 : key;
            int i = slot(k);
            while (keys[i] != 0) {
                if (keys[i] == k) {
                    return counts[i];
                }
                i = (i + 1) & mask;
            }
            return 0;
        }

        /** Keys are hashes already; folding the high half in is enough to spread them. */
        private int slot(long k) {
            return (int) (k ^ (k >>> 32)) & mask;
        }

        private void grow() {
            long[] oldKeys = keys;
            int[] oldCounts = counts;
            keys = new long[oldKeys.length * 2];
            counts = new int[oldKeys.length * 2];
            mask = keys.length - 1;
            size = 0;
            for (int j = 0; j < oldKeys.length; j++) {
                if (oldKeys[j] != 0) {
                    int i = slot(oldKeys[j]);
                    while (keys[i] != 0) {
                        i = (i + 1) & mask;
                    }
                    keys[i] = oldKeys[j];
                    counts[i] = oldCounts[j];
                    size++;
                }
            }
        }
    }
}

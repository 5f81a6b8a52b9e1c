package dev.cpt.ingest;

import java.util.Arrays;

/**
 * Near-duplicate signatures: MinHash over word shingles, cut into LSH bands. Two texts whose shingle sets have
 * Jaccard similarity s share at least one band key with probability 1 - (1 - s^rows)^bands, an S-curve whose knee
 * sits at the configured threshold ({@link #forThreshold}).
 *
 * <p>Why it is cheap: classic MinHash evaluates every permutation on every shingle (bands x rows hashes per word).
 * This uses one-permutation hashing (Li, Owen, Zhang 2012) with rotation densification (Shrivastava, Li 2014):
 * each shingle is hashed once, the hash picks one of the k bins and competes for that bin's minimum; bins no shingle
 * reached borrow from their right neighbour. The estimator is as good as k independent permutations for documents
 * with more shingles than bins, and the cost is one 64-bit mix per word.
 *
 * <p>Words are runs of letters and digits, lower-cased; every ideograph (CJK) is a word of its own, since such text
 * has no spaces. Punctuation and whitespace do not matter, so reflowed or re-punctuated copies still match.
 */
public final class MinHasher {
    private static final long EMPTY = Long.MAX_VALUE;

    private final int shingleWords;
    private final int bands;
    private final int rows;

    public MinHasher(int shingleWords, int bands, int rows) {
        if (shingleWords < 1 || bands < 1 || rows < 1) {
            throw new IllegalArgumentException("shingle words, bands and rows must be positive");
        }
        this.shingleWords = shingleWords;
        this.bands = bands;
        this.rows = rows;
    }

    /**
     * The bands and rows (at most {@code maxPermutations} bins in all) whose S-curve best separates pairs above
     * {@code threshold} from pairs below it: the sum of the false-positive and false-negative areas is smallest.
     */
    public static MinHasher forThreshold(double threshold, int shingleWords, int maxPermutations) {
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException(
                    "the near-duplicate threshold must lie strictly between 0 and 1: " + threshold);
        }
        double bestError = Double.MAX_VALUE;
        int bestBands = 1;
        int bestRows = 1;
        for (int b = 1; b <= maxPermutations; b++) {
            for (int r = 1; b * r <= maxPermutations; r++) {
                double error = area(threshold, b, r, 0, threshold, false) + area(threshold, b, r, threshold, 1, true);
                if (error < bestError) {
                    bestError = error;
                    bestBands = b;
                    bestRows = r;
                }
            }
        }
        return new MinHasher(shingleWords, bestBands, bestRows);
    }

    private static double area(double threshold, int b, int r, double from, double to, boolean missed) {
        int steps = 50;
        double width = (to - from) / steps;
        double sum = 0;
        for (int i = 0; i < steps; i++) {
            double s = from + (i + 0.5) * width;
            double p = 1 - Math.pow(1 - Math.pow(s, r), b);
            sum += (missed ? 1 - p : p) * width;
        }
        return sum;
    }

    public int bands() {
        return bands;
    }

    public int rows() {
        return rows;
    }

    /** Identifies the parameters: keys made with other parameters cannot be compared with these. */
    public long parameters() {
        return ((long) shingleWords << 40) | ((long) bands << 20) | rows;
    }

    /** One key per band; empty when the text has no word at all (nothing to compare). */
    public long[] bandKeys(String text) {
        long[] mins = signature(text);
        if (mins == null) {
            return new long[0];
        }
        long[] keys = new long[bands];
        for (int b = 0; b < bands; b++) {
            long h = 0x9E3779B97F4A7C15L * (b + 1);
            for (int r = 0; r < rows; r++) {
                h = mix(h ^ mins[b * rows + r]);
            }
            keys[b] = h;
        }
        return keys;
    }

    /** The k = bands x rows bin minima, densified; null when the text has no word. */
    long[] signature(String text) {
        int k = bands * rows;
        long[] mins = new long[k];
        Arrays.fill(mins, EMPTY);
        Shingles shingles = new Shingles(shingleWords);
        long word = 0;
        boolean inWord = false;
        for (int i = 0, n = text.length(); i <= n; i++) {
            char c = i < n ? text.charAt(i) : ' ';
            if (c < 0x80) { // ASCII, the common case, without the Unicode tables
                char lower = (char) (c | 0x20);
                if ((lower >= 'a' && lower <= 'z') || (c >= '0' && c <= '9')) {
                    word = (word ^ (c <= '9' ? c : lower)) * 0x100000001B3L;
                    inWord = true;
                    continue;
                }
                if (inWord) {
                    shingles.add(mix(word), mins, k);
                    word = 0;
                    inWord = false;
                }
                continue;
            }
            boolean ideograph = c >= 0x2e80 && Character.isIdeographic(c);
            if (!ideograph && Character.isLetterOrDigit(c)) {
                word = (word ^ Character.toLowerCase(c)) * 0x100000001B3L;
                inWord = true;
                continue;
            }
            if (inWord) {
                shingles.add(mix(word), mins, k);
                word = 0;
                inWord = false;
            }
            if (ideograph) {
                shingles.add(mix(c * 0xC2B2AE3D27D4EB4FL), mins, k);
            }
        }
        if (shingles.words == 0) {
            return null;
        }
        if (shingles.words < shingleWords) {
            // shorter than one shingle: the whole text is its only shingle
            offer(shingles.hash(shingles.words), mins, k);
        }
        densify(mins);
        return mins;
    }

    /**
     * The last {@code size} word hashes in a ring. The ring position is carried along instead of taken modulo the
     * size for every word: integer division was the largest cost of signing a text.
     */
    private static final class Shingles {
        private final long[] ring;
        private int next;
        int words;

        Shingles(int size) {
            ring = new long[size];
        }

        void add(long wordHash, long[] mins, int k) {
            ring[next] = wordHash;
            if (++next == ring.length) {
                next = 0;
            }
            if (++words >= ring.length) {
                offer(hash(ring.length), mins, k);
            }
        }

        /** Order-sensitive hash of the last {@code count} words, oldest first. */
        long hash(int count) {
            int j = next - count;
            if (j < 0) {
                j += ring.length;
            }
            long h = 0;
            for (int t = 0; t < count; t++) {
                h = (h + ring[j]) * 0x9E3779B97F4A7C15L;
                if (++j == ring.length) {
                    j = 0;
                }
            }
            return mix(h);
        }
    }

    private static void offer(long hash, long[] mins, int k) {
        int bin = (int) (((hash >>> 32) * k) >>> 32);
        long value = hash & 0xFFFFFFFFL;
        if (value < mins[bin]) {
            mins[bin] = value;
        }
    }

    /** Rotation: an empty bin takes the next filled bin to its right, offset by the distance so that copies differ. */
    private static void densify(long[] mins) {
        int k = mins.length;
        for (int i = 0; i < k; i++) {
            if (mins[i] != EMPTY) {
                continue;
            }
            for (int d = 1; d < k; d++) {
                long v = mins[(i + d) % k];
                if (v != EMPTY && v <= 0xFFFFFFFFL) {
                    mins[i] = v + ((long) d << 32);
                    break;
                }
            }
        }
    }

    /** A strong 64-bit finaliser (SplitMix64 / Stafford variant 13). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

package dev.cpt.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cpt.ingest.bench.CorpusGenerator;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MinHasherTest {
    private final MinHasher hasher = MinHasher.forThreshold(0.8, 5, 128);
    private final CorpusGenerator corpus = new CorpusGenerator(7);

    @Test
    void theBandLayoutPutsTheKneeOfTheCurveAtTheThreshold() {
        int b = hasher.bands();
        int r = hasher.rows();
        assertTrue(b * r <= 128);
        double knee = Math.pow(1.0 / b, 1.0 / r);
        assertTrue(knee > 0.7 && knee < 0.9, "knee " + knee + " for " + b + " x " + r);
    }

    @Test
    void punctuationCaseAndSpacingDoNotChangeTheKeys() {
        String text = corpus.document(2000);
        String reflowed = text.toUpperCase().replace(".", " ;").replace(" ", "  ");
        assertArrayEquals(hasher.bandKeys(text), hasher.bandKeys(reflowed));
    }

    @Test
    void aLightlyEditedCopySharesABandAndAnUnrelatedTextDoesNot() {
        int caught = 0;
        int falseMatches = 0;
        for (int i = 0; i < 50; i++) {
            String text = corpus.document(3000);
            // half a percent of the words replaced: about 2.5 % of the 5-word shingles change, Jaccard near 0.95
            if (sharesABand(text, corpus.nearCopy(text, 0.005))) {
                caught++;
            }
            if (sharesABand(text, corpus.document(3000))) {
                falseMatches++;
            }
        }
        assertTrue(caught >= 49, "near copies caught: " + caught + " of 50");
        assertEquals(0, falseMatches);
    }

    @Test
    void theSignatureEstimatesJaccardSimilarity() {
        String text = corpus.document(8000);
        String edited = corpus.nearCopy(text, 0.05);
        double truth = jaccard(shingles(text), shingles(edited));
        long[] a = hasher.signature(text);
        long[] b = hasher.signature(edited);
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            same += a[i] == b[i] ? 1 : 0;
        }
        double estimate = (double) same / a.length;
        assertTrue(Math.abs(estimate - truth) < 0.12, "estimate " + estimate + ", true " + truth);
    }

    @Test
    void shortTextsAndTextsWithoutWordsAreHandled() {
        assertEquals(hasher.bands(), hasher.bandKeys("Light is fast.").length);
        assertTrue(!Arrays.equals(hasher.bandKeys("Light is fast."), hasher.bandKeys("Light is slow.")));
        assertEquals(0, hasher.bandKeys("... !!! ---").length);
        assertEquals(hasher.bands(), hasher.bandKeys("東京は日本の首都です").length);
    }

    private boolean sharesABand(String a, String b) {
        long[] ka = hasher.bandKeys(a);
        long[] kb = hasher.bandKeys(b);
        for (int i = 0; i < ka.length; i++) {
            if (ka[i] == kb[i]) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> shingles(String text) {
        String[] w = text.toLowerCase().split("[^\\p{L}\\p{N}]+");
        Set<String> out = new HashSet<>();
        for (int i = 0; i + 5 <= w.length; i++) {
            out.add(String.join(" ", Arrays.copyOfRange(w, i, i + 5)));
        }
        return out;
    }

    private static double jaccard(Set<String> a, Set<String> b) {
        Set<String> inter = new HashSet<>(a);
        inter.retainAll(b);
        Set<String> union = new HashSet<>(a);
        union.addAll(b);
        return (double) inter.size() / union.size();
    }
}

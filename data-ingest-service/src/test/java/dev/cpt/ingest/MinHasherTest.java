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

    /**
     * Band keys are written to the dedup journal and read back after a restart or an upgrade: a change in how they
     * are computed (however fast) would silently turn every stored fingerprint into noise, so the exact values of
     * the 0.8 / 5-word layout are pinned here. They were computed by the implementation that wrote the first
     * journals. Changing them needs a new journal format (see FingerprintJournal's parameters check).
     */
    @Test
    void bandKeysStayExactlyWhatTheJournalHoldsAcrossVersions() {
        assertEquals(9, hasher.bands());
        assertEquals(13, hasher.rows());
        assertArrayEquals(
                new long[] {
                    0xC4819B4E9E000429L,
                    0x61270C8ECD308FC8L,
                    0x32233280D8F0DB76L,
                    0x61D6608B22C4807CL,
                    0xA5FD1E428DD3B1DAL,
                    0x25AA96D00AFB60E5L,
                    0xB527809E2BBEF16AL,
                    0x9BA522AC74340EA1L,
                    0x5F04638B33BFE735L
                },
                hasher.bandKeys("The quick brown fox jumps over the lazy dog near the old river bank at dawn, 1887."));
        assertArrayEquals(
                new long[] {
                    0x71C355C43BFBD094L,
                    0xF79BBDD917C3F1A3L,
                    0x28A9E8B9FD118E50L,
                    0xAA98F3070FEB6A8EL,
                    0x7ACD0638AE51E4DBL,
                    0xA155C6653E7CFB9EL,
                    0x9837A878D393D9E3L,
                    0x7E8845C86A7CD7A9L,
                    0x448799F1862483E9L
                },
                hasher.bandKeys("Light is fast.")); // shorter than one shingle
        assertArrayEquals(
                new long[] {
                    0x772DB86F37363ECDL,
                    0x3EFBF9025CDBB10AL,
                    0xE9055B768E4A0C81L,
                    0x17907BE6B93EA278L,
                    0x69967C9100A03098L,
                    0x480D0EE31EF2CFAEL,
                    0x5D24FD6AB3302F00L,
                    0x96B0A8FDB0458029L,
                    0x8B5F6F8DF18576ABL
                },
                hasher.bandKeys(
                        "\u6771\u4eac\u306f\u65e5\u672c\u306e\u9996\u90fd\u3067\u3059")); // ideographs: a word each
    }
}

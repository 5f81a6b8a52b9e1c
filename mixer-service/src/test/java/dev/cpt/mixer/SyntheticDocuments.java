package dev.cpt.mixer;

import dev.cpt.common.tokenizer.SpecialTokens;
import dev.cpt.common.tokenizer.TokenizerIdentity;
import dev.cpt.contracts.Document;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Documents as ingest publishes them, made up for the throughput benchmark: four domains, mostly 1-8 KB of text with
 * one in twenty 20-80 KB, and token ids as a BPE vocabulary of about 50k gives them. Words are made of 1-3 syllables of
 * 2-4 letters, one token per syllable (about 3.5 bytes of text a token); a syllable's id depends on whether it begins
 * a word, as a BPE token carries its leading space. Ids run from 256 to about 50,000, so the packed form takes two
 * bytes an id, as for GPT-2's vocabulary; frequent syllables have low ids (squared uniform draw). Deterministic for a
 * seed.
 */
final class SyntheticDocuments {
    static final String[] DOMAINS = {"general", "law", "medicine", "code"};

    /** The made-up tokenizer the documents name: one id per syllable form, ids below 50,000. */
    static final TokenizerIdentity TOKENIZER =
            new TokenizerIdentity("bench-syllables", "bench-syllables-v1", 50_000, SpecialTokens.NONE);

    private static final int SYLLABLES = 24_800;
    private static final int FIRST_ID = 256;

    private final SplittableRandom random;
    private final String[] syllables = new String[SYLLABLES];
    private long next;

    SyntheticDocuments(long seed) {
        random = new SplittableRandom(seed);
        for (int i = 0; i < SYLLABLES; i++) {
            char[] letters = new char[2 + random.nextInt(3)];
            for (int c = 0; c < letters.length; c++) {
                letters[c] = (char) ('a' + random.nextInt(26));
            }
            syllables[i] = new String(letters);
        }
    }

    Document next() {
        String domain = DOMAINS[random.nextInt(DOMAINS.length)];
        int bytes = random.nextInt(20) == 0 ? 20_000 + random.nextInt(60_000) : 1_000 + random.nextInt(7_000);
        StringBuilder text = new StringBuilder(bytes + 32);
        int[] tokens = new int[bytes / 2 + 8]; // a syllable has at least 2 letters
        int n = 0;
        while (text.length() < bytes) {
            int parts = 1 + random.nextInt(3);
            for (int p = 0; p < parts; p++) {
                double u = random.nextDouble();
                int syllable = (int) (u * u * SYLLABLES);
                boolean wordStart = p == 0 && text.length() > 0;
                text.append(wordStart ? " " : "").append(syllables[syllable]);
                tokens[n++] = FIRST_ID + 2 * syllable + (wordStart ? 1 : 0);
            }
            if (random.nextInt(12) == 0) {
                text.append('.');
            }
        }
        return new Document(
                "bench-" + next++,
                domain,
                text.toString(),
                TOKENIZER.name(),
                TOKENIZER.fingerprint(),
                Arrays.copyOf(tokens, n),
                "bench",
                Instant.now(),
                Map.of("score", 0.8, "words", (double) n / 2, "symbol_ratio", 0.01, "mean_word_length", 6.0));
    }
}

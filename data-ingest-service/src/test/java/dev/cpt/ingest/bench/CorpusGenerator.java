package dev.cpt.ingest.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Varied English-like prose, deterministic for a seed: common words mixed with invented ones (so the vocabulary is
 * large and n-grams rarely repeat by chance), sentences of 6 to 22 words, paragraphs of 2 to 6 sentences. Used by the
 * benchmark to make its corpus and by tests that need realistic documents. {@link #nearCopy} makes the edited copies
 * near-dedup must catch.
 */
public final class CorpusGenerator {
    private static final String[] COMMON = ("the of and to in is was for that with as on by at from this which be are "
                    + "it an or were has had have not but its their also more one two after first new other than been when into "
                    + "all some these time there only over most such may then during about between under both through where many "
                    + "river city water light stone market winter summer field village harbour bridge mountain forest road school "
                    + "history council report museum station island valley garden library trade music law court energy weather "
                    + "built opened grew moved wrote carried measured found showed remained returned described produced followed "
                    + "early large small northern southern ancient modern local public several common famous narrow heavy quiet")
            .split(" ");
    private static final String[] SYLLABLES = ("ka lo ren ti mar vel sun dor ia en ost bra gel fen hal mir tor qua lis "
                    + "nor pe ul zan cor bel dri fa gon")
            .split(" ");

    private final Random random;
    private final String[] invented;

    public CorpusGenerator(long seed) {
        random = new Random(seed);
        invented = new String[4000];
        for (int i = 0; i < invented.length; i++) {
            StringBuilder w = new StringBuilder();
            int syllables = 2 + random.nextInt(3);
            for (int s = 0; s < syllables; s++) {
                w.append(SYLLABLES[random.nextInt(SYLLABLES.length)]);
            }
            invented[i] = w.toString();
        }
    }

    /** One document of about {@code approxBytes} bytes, in paragraphs. */
    public String document(int approxBytes) {
        StringBuilder text = new StringBuilder(approxBytes + 200);
        while (text.length() < approxBytes) {
            int sentences = 2 + random.nextInt(5);
            for (int s = 0; s < sentences; s++) {
                sentence(text);
                text.append(s + 1 < sentences ? " " : "");
            }
            text.append("\n\n");
        }
        return text.toString().strip();
    }

    private void sentence(StringBuilder text) {
        int words = 6 + random.nextInt(17);
        for (int i = 0; i < words; i++) {
            String w = word();
            if (i == 0) {
                text.append(Character.toUpperCase(w.charAt(0))).append(w, 1, w.length());
            } else {
                text.append(' ').append(w);
            }
            if (i > 2 && i + 2 < words && random.nextInt(12) == 0) {
                text.append(',');
            }
        }
        text.append(random.nextInt(10) == 0 ? '?' : '.');
    }

    private String word() {
        int r = random.nextInt(10);
        if (r < 6) {
            return COMMON[random.nextInt(COMMON.length)];
        }
        if (r < 9) {
            return invented[random.nextInt(invented.length)];
        }
        return Integer.toString(random.nextInt(2000));
    }

    /** A copy with about {@code share} of its words replaced: what a lightly edited re-post looks like. */
    public String nearCopy(String text, double share) {
        String[] words = text.split(" ");
        List<String> out = new ArrayList<>(words.length);
        for (String w : words) {
            out.add(random.nextDouble() < share ? word() : w);
        }
        return String.join(" ", out);
    }
}

package dev.cpt.reward.encoder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.IntPredicate;

/**
 * Positive pairs for contrastive training, made from the project's own text: two random augmentations of one corpus
 * sentence (crop, word dropout, adjacent swap, lower-casing without punctuation), and two differently worded template
 * explanations of the same arithmetic fact or unit conversion. Everything else in a batch is a negative, including
 * explanations of the same operation with other numbers, which teaches the encoder that numbers matter.
 *
 * <p>Split: sentences with index % 10 == 0 and facts whose operands hash to 0 mod 10 are held out for evaluation.
 */
public final class ContrastivePairs {
    public record Pair(String anchor, String positive) {}

    /** The built-in corpus (copied into the module's resources; see the README for what it is). */
    public static final List<String> CORPUS_RESOURCES = List.of("/encoder/general.txt", "/encoder/explanations.txt");

    private static final String[] ADDITION = {
        "%1$d plus %2$d is %3$d because adding %2$d to %1$d gives %3$d.",
        "Adding %1$d and %2$d gives %3$d.",
        "The sum of %1$d and %2$d is %3$d.",
        "%1$d + %2$d = %3$d, since %2$d more than %1$d is %3$d.",
        "If you add %2$d to %1$d you get %3$d.",
    };
    private static final String[] SUBTRACTION = {
        "%1$d minus %2$d is %3$d because taking %2$d away from %1$d leaves %3$d.",
        "Subtracting %2$d from %1$d gives %3$d.",
        "The difference between %1$d and %2$d is %3$d.",
        "%1$d - %2$d = %3$d, since %3$d plus %2$d is %1$d.",
        "Take %2$d from %1$d and %3$d is left.",
    };
    private static final String[] MULTIPLICATION = {
        "%1$d times %2$d is %3$d because %1$d groups of %2$d make %3$d.",
        "Multiplying %1$d by %2$d gives %3$d.",
        "The product of %1$d and %2$d is %3$d.",
        "%1$d x %2$d = %3$d, since adding %2$d to itself %1$d times gives %3$d.",
        "%1$d lots of %2$d come to %3$d.",
    };
    private static final String[] CONVERSION = {
        "%1$d %2$s is %3$d %4$s because one %5$s has %6$d %4$s.",
        "Since a %5$s is %6$d %4$s, %1$d %2$s equal %3$d %4$s.",
        "Multiply %1$d by %6$d: %1$d %2$s make %3$d %4$s.",
        "There are %6$d %4$s in a %5$s, so %1$d %2$s is %3$d %4$s.",
        "Converting %1$d %2$s to %4$s gives %3$d, as each %5$s holds %6$d %4$s.",
    };
    /** plural of the larger unit, plural of the smaller, singular of the larger, factor */
    private static final Object[][] UNITS = {
        {"meters", "centimeters", "meter", 100},
        {"kilometers", "meters", "kilometer", 1000},
        {"hours", "minutes", "hour", 60},
        {"minutes", "seconds", "minute", 60},
        {"kilograms", "grams", "kilogram", 1000},
        {"liters", "milliliters", "liter", 1000},
        {"days", "hours", "day", 24},
        {"weeks", "days", "week", 7},
        {"feet", "inches", "foot", 12},
    };

    private final List<String> sentences;
    private final IntPredicate keepFact;

    private ContrastivePairs(List<String> sentences, IntPredicate keepFact) {
        if (sentences.isEmpty()) {
            throw new IllegalArgumentException("the corpus has no sentences");
        }
        this.sentences = sentences;
        this.keepFact = keepFact;
    }

    /** The training side of the split. */
    public static ContrastivePairs training(List<String> corpusSentences) {
        return new ContrastivePairs(select(corpusSentences, false), h -> h % 10 != 0);
    }

    /** The held-out side of the split. */
    public static ContrastivePairs heldOut(List<String> corpusSentences) {
        return new ContrastivePairs(select(corpusSentences, true), h -> h % 10 == 0);
    }

    private static List<String> select(List<String> all, boolean heldOut) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if ((i % 10 == 0) == heldOut) {
                out.add(all.get(i));
            }
        }
        return out;
    }

    /** {@code n} pairs: a third corpus augmentations, a third arithmetic, a third unit conversions. */
    public List<Pair> batch(int n, Random rng) {
        List<Pair> out = new ArrayList<>(n);
        while (out.size() < n) {
            switch (out.size() % 3) {
                case 0 -> {
                    String s = sentences.get(rng.nextInt(sentences.size()));
                    out.add(new Pair(augment(s, rng), augment(s, rng)));
                }
                case 1 -> out.add(twoWordings(arithmetic(rng), rng));
                default -> out.add(twoWordings(conversion(rng), rng));
            }
        }
        return out;
    }

    /** Every template rendered for a spread of numbers, plus the corpus: the texts the vocabulary is built from. */
    public static List<String> vocabularyTexts(List<String> corpusSentences) {
        List<String> texts = new ArrayList<>(corpusSentences);
        Random rng = new Random(7);
        ContrastivePairs all = new ContrastivePairs(corpusSentences, h -> true);
        for (int i = 0; i < 600; i++) {
            texts.addAll(Arrays.asList(i % 2 == 0 ? all.arithmetic(rng) : all.conversion(rng)));
        }
        return texts;
    }

    private String[] arithmetic(Random rng) {
        while (true) {
            int op = rng.nextInt(3);
            // sums and differences of numbers up to 99, products of a small factor and a number up to 99
            int a = op == 2 ? 2 + rng.nextInt(11) : 2 + rng.nextInt(98);
            int b = 2 + rng.nextInt(98);
            if (!keepFact.test(Math.floorMod(a * 31 + b * 7 + op, 10))) {
                continue;
            }
            return switch (op) {
                case 0 -> render(ADDITION, a, b, a + b);
                case 1 -> render(SUBTRACTION, Math.max(a, b), Math.min(a, b), Math.abs(a - b));
                default -> render(MULTIPLICATION, a, b, a * b);
            };
        }
    }

    private static String[] render(String[] templates, int a, int b, int result) {
        String[] out = new String[templates.length];
        for (int i = 0; i < templates.length; i++) {
            out[i] = String.format(Locale.ROOT, templates[i], a, b, result);
        }
        return out;
    }

    private String[] conversion(Random rng) {
        while (true) {
            int u = rng.nextInt(UNITS.length);
            int n = 2 + rng.nextInt(49);
            if (!keepFact.test(Math.floorMod(u * 13 + n * 3, 10))) {
                continue;
            }
            Object[] unit = UNITS[u];
            int factor = (Integer) unit[3];
            String[] out = new String[CONVERSION.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = String.format(Locale.ROOT, CONVERSION[i], n, unit[0], n * factor, unit[1], unit[2], factor);
            }
            return out;
        }
    }

    private static Pair twoWordings(String[] wordings, Random rng) {
        int i = rng.nextInt(wordings.length);
        int j = (i + 1 + rng.nextInt(wordings.length - 1)) % wordings.length;
        return new Pair(wordings[i], wordings[j]);
    }

    /** A random view of a sentence that keeps most of its words and their meaning. */
    static String augment(String sentence, Random rng) {
        List<String> words = new ArrayList<>(Arrays.asList(sentence.trim().split("\\s+")));
        if (words.size() > 6 && rng.nextDouble() < 0.5) {
            // crop to a contiguous span of at least 70% of the words
            int keep = (int) Math.ceil(words.size() * (0.7 + 0.3 * rng.nextDouble()));
            int start = rng.nextInt(words.size() - keep + 1);
            words = new ArrayList<>(words.subList(start, start + keep));
        }
        if (words.size() > 3) {
            // drop about one word in ten
            List<String> kept = new ArrayList<>();
            for (String w : words) {
                if (rng.nextDouble() >= 0.1) {
                    kept.add(w);
                }
            }
            if (kept.size() >= 3) {
                words = kept;
            }
        }
        if (words.size() > 2 && rng.nextDouble() < 0.2) {
            int i = rng.nextInt(words.size() - 1);
            String w = words.get(i);
            words.set(i, words.get(i + 1));
            words.set(i + 1, w);
        }
        String text = String.join(" ", words);
        if (rng.nextDouble() < 0.3) {
            text = text.toLowerCase(Locale.ROOT).replaceAll("[\\p{Punct}]", "");
        }
        return text;
    }

    /** Splits prose into sentences (on . ! ? ; followed by white space), dropping fragments under four words. */
    public static List<String> sentences(String text) {
        List<String> out = new ArrayList<>();
        for (String s : text.split("(?<=[.!?;])\\s+")) {
            String t = s.strip();
            if (t.split("\\s+").length >= 4) {
                out.add(t);
            }
        }
        return out;
    }

    /** The sentences of the built-in corpus. */
    public static List<String> builtInCorpus() {
        List<String> out = new ArrayList<>();
        for (String resource : CORPUS_RESOURCES) {
            try (InputStream in = ContrastivePairs.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("resource " + resource + " is missing");
                }
                out.addAll(sentences(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }
}

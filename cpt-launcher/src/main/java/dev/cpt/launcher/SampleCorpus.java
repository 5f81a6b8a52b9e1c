package dev.cpt.launcher;

import dev.cpt.contracts.RawDocument;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;

/**
 * The demo's documents, all made by the project: a general corpus written for it (corpus/general.txt, released
 * with the project under its license) and two generated domains that arrive after it, arithmetic and unit
 * conversion, each fact with a one-sentence explanation.
 */
public final class SampleCorpus {
    private SampleCorpus() {}

    /** The general corpus, one document per paragraph. */
    public static List<RawDocument> general() {
        List<String> paragraphs = Arrays.stream(resource("corpus/general.txt").split("\\n\\s*\\n"))
                .map(String::strip)
                .filter(p -> !p.isEmpty())
                .toList();
        List<RawDocument> docs = new ArrayList<>();
        for (int i = 0; i < paragraphs.size(); i++) {
            docs.add(new RawDocument("general-" + i, "general", paragraphs.get(i), "demo"));
        }
        return docs;
    }

    /**
     * Documents of arithmetic questions, each followed by its one-sentence answer, in the form the trainer's GRPO
     * task asks them ("What is 17 + 25? 17 plus 25 equals 42."): the domain the demo's GRPO stage then sharpens.
     */
    public static List<RawDocument> arithmeticQuestions(int documents, long seed) {
        return generated("arithmetic-qa-" + seed, "arithmetic", documents, seed, 8, (rng, text) -> {
            int a = 1 + rng.nextInt(49);
            int b = 1 + rng.nextInt(49);
            switch (rng.nextInt(3)) {
                case 0 -> text.append(question(a, "+", "plus", b, a + b));
                case 1 -> {
                    int big = Math.max(a, b);
                    int small = Math.min(a, b);
                    text.append(question(big, "-", "minus", small, big - small));
                }
                default -> {
                    int x = 1 + a % 12;
                    int y = 1 + b % 12;
                    text.append(question(x, "*", "times", y, x * y));
                }
            }
        });
    }

    private static String question(int a, String sign, String word, int b, int answer) {
        return "What is " + a + " " + sign + " " + b + "? " + a + " " + word + " " + b + " equals " + answer + ".\n";
    }

    /** Documents of a few arithmetic facts each, with the reason in words. */
    public static List<RawDocument> arithmetic(int documents, long seed) {
        return generated("arithmetic-" + seed, "arithmetic", documents, seed, 4, (rng, text) -> {
            int a = rng.nextInt(50) + 1;
            int b = rng.nextInt(50) + 1;
            if (rng.nextBoolean()) {
                text.append(a + " plus " + b + " is " + (a + b) + ", because adding " + b + " to " + a + " gives "
                        + (a + b) + ". ");
            } else {
                int times = b % 10 + 1;
                text.append(a + " times " + times + " is " + a * times + ", because " + times + " groups of " + a
                        + " make " + a * times + ". ");
            }
        });
    }

    private record Unit(String big, String one, String small, int factor) {}

    private static final List<Unit> UNITS = List.of(
            new Unit("meters", "meter", "centimeters", 100), new Unit("kilometers", "kilometer", "meters", 1000),
            new Unit("hours", "hour", "minutes", 60), new Unit("minutes", "minute", "seconds", 60),
            new Unit("kilograms", "kilogram", "grams", 1000), new Unit("liters", "liter", "milliliters", 1000),
            new Unit("days", "day", "hours", 24), new Unit("feet", "foot", "inches", 12));

    /** Documents of a few unit conversions each, with the reason in words. */
    public static List<RawDocument> units(int documents, long seed) {
        return generated("units-" + seed, "units", documents, seed, 4, (rng, text) -> {
            Unit u = UNITS.get(rng.nextInt(UNITS.size()));
            int n = rng.nextInt(9) + 2;
            text.append(n + " " + u.big() + " is " + n * u.factor() + " " + u.small() + ", because one " + u.one()
                    + " has " + u.factor() + " " + u.small() + ". ");
        });
    }

    /**
     * {@code documents} documents of {@code sentences} sentences each, written by {@code sentence} from one random
     * stream seeded with {@code seed}, so a seed always gives the same documents.
     */
    private static List<RawDocument> generated(
            String idPrefix,
            String domain,
            int documents,
            long seed,
            int sentences,
            BiConsumer<Random, StringBuilder> sentence) {
        Random rng = new Random(seed);
        List<RawDocument> docs = new ArrayList<>();
        for (int d = 0; d < documents; d++) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < sentences; i++) {
                sentence.accept(rng, text);
            }
            docs.add(new RawDocument(idPrefix + "-" + d, domain, text.toString().strip(), "demo"));
        }
        return docs;
    }

    private static String resource(String name) {
        try (InputStream in = SampleCorpus.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the launcher");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

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
        Random rng = new Random(seed);
        List<RawDocument> docs = new ArrayList<>();
        for (int d = 0; d < documents; d++) {
            StringBuilder text = new StringBuilder();
            for (int q = 0; q < 8; q++) {
                int a = 1 + rng.nextInt(49);
                int b = 1 + rng.nextInt(49);
                switch (rng.nextInt(3)) {
                    case 0 ->
                        text.append("What is ")
                                .append(a)
                                .append(" + ")
                                .append(b)
                                .append("? ")
                                .append(a)
                                .append(" plus ")
                                .append(b)
                                .append(" equals ")
                                .append(a + b)
                                .append(".\n");
                    case 1 ->
                        text.append("What is ")
                                .append(Math.max(a, b))
                                .append(" - ")
                                .append(Math.min(a, b))
                                .append("? ")
                                .append(Math.max(a, b))
                                .append(" minus ")
                                .append(Math.min(a, b))
                                .append(" equals ")
                                .append(Math.max(a, b) - Math.min(a, b))
                                .append(".\n");
                    default -> {
                        int x = 1 + a % 12;
                        int y = 1 + b % 12;
                        text.append("What is ")
                                .append(x)
                                .append(" * ")
                                .append(y)
                                .append("? ")
                                .append(x)
                                .append(" times ")
                                .append(y)
                                .append(" equals ")
                                .append(x * y)
                                .append(".\n");
                    }
                }
            }
            docs.add(new RawDocument(
                    "arithmetic-qa-" + seed + "-" + d,
                    "arithmetic",
                    text.toString().strip(),
                    "demo"));
        }
        return docs;
    }

    /** Documents of a few arithmetic facts each, with the reason in words. */
    public static List<RawDocument> arithmetic(int documents, long seed) {
        Random rng = new Random(seed);
        List<RawDocument> docs = new ArrayList<>();
        for (int d = 0; d < documents; d++) {
            StringBuilder text = new StringBuilder();
            for (int f = 0; f < 4; f++) {
                int a = rng.nextInt(50) + 1;
                int b = rng.nextInt(50) + 1;
                if (rng.nextBoolean()) {
                    text.append(a)
                            .append(" plus ")
                            .append(b)
                            .append(" is ")
                            .append(a + b)
                            .append(", because adding ")
                            .append(b)
                            .append(" to ")
                            .append(a)
                            .append(" gives ")
                            .append(a + b)
                            .append(". ");
                } else {
                    text.append(a)
                            .append(" times ")
                            .append(b % 10 + 1)
                            .append(" is ")
                            .append(a * (b % 10 + 1))
                            .append(", because ")
                            .append(b % 10 + 1)
                            .append(" groups of ")
                            .append(a)
                            .append(" make ")
                            .append(a * (b % 10 + 1))
                            .append(". ");
                }
            }
            docs.add(new RawDocument(
                    "arithmetic-" + seed + "-" + d,
                    "arithmetic",
                    text.toString().strip(),
                    "demo"));
        }
        return docs;
    }

    private record Unit(String big, String one, String small, int factor) {}

    private static final List<Unit> UNITS = List.of(
            new Unit("meters", "meter", "centimeters", 100), new Unit("kilometers", "kilometer", "meters", 1000),
            new Unit("hours", "hour", "minutes", 60), new Unit("minutes", "minute", "seconds", 60),
            new Unit("kilograms", "kilogram", "grams", 1000), new Unit("liters", "liter", "milliliters", 1000),
            new Unit("days", "day", "hours", 24), new Unit("feet", "foot", "inches", 12));

    /** Documents of a few unit conversions each, with the reason in words. */
    public static List<RawDocument> units(int documents, long seed) {
        Random rng = new Random(seed);
        List<RawDocument> docs = new ArrayList<>();
        for (int d = 0; d < documents; d++) {
            StringBuilder text = new StringBuilder();
            for (int f = 0; f < 4; f++) {
                Unit u = UNITS.get(rng.nextInt(UNITS.size()));
                int n = rng.nextInt(9) + 2;
                text.append(n)
                        .append(' ')
                        .append(u.big())
                        .append(" is ")
                        .append(n * u.factor())
                        .append(' ')
                        .append(u.small())
                        .append(", because one ")
                        .append(u.one())
                        .append(" has ")
                        .append(u.factor())
                        .append(' ')
                        .append(u.small())
                        .append(". ");
            }
            docs.add(new RawDocument(
                    "units-" + seed + "-" + d, "units", text.toString().strip(), "demo"));
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

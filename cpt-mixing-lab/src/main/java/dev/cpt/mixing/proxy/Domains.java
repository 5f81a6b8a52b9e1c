package dev.cpt.mixing.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Deterministic text generators for the proxy scenarios: a general domain (the project's general corpus plus
 * templated everyday prose) and synthetic domains, each with its own vocabulary and structure so that training on one
 * measurably changes the loss on the others. Same seed, same text.
 */
public final class Domains {
    public static final String GENERAL = "general";
    /** Every domain a scenario can name. */
    public static final List<String> ALL =
            List.of(GENERAL, "arithmetic", "units", "dates", "chemistry", "code", "weather");

    private static final List<String> PARAGRAPHS = paragraphs();

    private Domains() {}

    /** One document of a domain. */
    public static String document(String domain, Random rng) {
        return switch (domain) {
            case GENERAL -> general(rng);
            case "arithmetic" -> arithmetic(rng);
            case "units" -> units(rng);
            case "dates" -> dates(rng);
            case "chemistry" -> chemistry(rng);
            case "code" -> code(rng);
            case "weather" -> weather(rng);
            default -> throw new IllegalArgumentException("unknown proxy domain " + domain + ", known: " + ALL);
        };
    }

    private static final String[] PEOPLE = {
        "The farmer",
        "A teacher",
        "My neighbour",
        "The baker",
        "An old sailor",
        "The doctor",
        "A young painter",
        "The mayor",
        "Her brother",
        "The librarian"
    };
    private static final String[] VERBS = {
        "walked to",
        "looked at",
        "talked about",
        "cleaned",
        "painted",
        "visited",
        "wrote a letter about",
        "waited near",
        "remembered",
        "carried a basket to"
    };
    private static final String[] PLACES = {
        "the market",
        "the river",
        "the old mill",
        "the garden",
        "the harbour",
        "the school",
        "the quiet square",
        "the forest path",
        "the station",
        "the small church"
    };
    private static final String[] TIMES = {
        "in the morning",
        "after lunch",
        "late in the evening",
        "on Sunday",
        "before the rain",
        "in early spring",
        "when the bells rang",
        "during the winter"
    };
    private static final String[] CLAUSES = {
        "because the day was warm",
        "and the wind was calm",
        "while the children played",
        "but nobody was there",
        "as the light faded",
        "and then went home"
    };

    static String general(Random rng) {
        if (rng.nextInt(4) == 0) {
            return PARAGRAPHS.get(rng.nextInt(PARAGRAPHS.size()));
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            s.append(pick(PEOPLE, rng))
                    .append(' ')
                    .append(pick(VERBS, rng))
                    .append(' ')
                    .append(pick(PLACES, rng))
                    .append(' ')
                    .append(pick(TIMES, rng))
                    .append(' ')
                    .append(pick(CLAUSES, rng))
                    .append(". ");
        }
        return s.toString().strip();
    }

    static String arithmetic(Random rng) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            int a = rng.nextInt(90) + 10;
            int b = rng.nextInt(90) + 10;
            switch (rng.nextInt(3)) {
                case 0 -> s.append(a).append(" + ").append(b).append(" = ").append(a + b);
                case 1 -> s.append(a + b).append(" - ").append(b).append(" = ").append(a);
                default ->
                    s.append(a).append(" * ").append(b % 9 + 2).append(" = ").append(a * (b % 9 + 2));
            }
            s.append("; ");
        }
        return s.toString().strip();
    }

    private static final String[][] UNITS = {
        {"km", "m", "1000"},
        {"m", "cm", "100"},
        {"h", "min", "60"},
        {"min", "s", "60"},
        {"kg", "g", "1000"},
        {"l", "ml", "1000"},
        {"ft", "in", "12"},
        {"day", "h", "24"}
    };

    static String units(Random rng) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            String[] u = UNITS[rng.nextInt(UNITS.length)];
            int n = rng.nextInt(19) + 2;
            s.append("convert ")
                    .append(n)
                    .append(' ')
                    .append(u[0])
                    .append(" to ")
                    .append(u[1])
                    .append(": ")
                    .append(n * Integer.parseInt(u[2]))
                    .append(' ')
                    .append(u[1])
                    .append(". ");
        }
        return s.toString().strip();
    }

    private static final String[] MONTHS = {
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December"
    };
    private static final String[] WEEKDAYS = {
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"
    };

    static String dates(Random rng) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            int m = rng.nextInt(12);
            int d = rng.nextInt(20) + 1;
            int plus = rng.nextInt(8) + 1;
            int w = rng.nextInt(7);
            s.append(MONTHS[m])
                    .append(' ')
                    .append(d)
                    .append(" is a ")
                    .append(WEEKDAYS[w])
                    .append(", so ")
                    .append(MONTHS[m])
                    .append(' ')
                    .append(d + plus)
                    .append(" is a ")
                    .append(WEEKDAYS[(w + plus) % 7])
                    .append(". ");
        }
        return s.toString().strip();
    }

    private static final String[][] MOLECULES = {
        {"water", "H2O", "2 H, 1 O"},
        {"methane", "CH4", "1 C, 4 H"},
        {"ammonia", "NH3", "1 N, 3 H"},
        {"carbon dioxide", "CO2", "1 C, 2 O"},
        {"ethanol", "C2H5OH", "2 C, 6 H, 1 O"},
        {"glucose", "C6H12O6", "6 C, 12 H, 6 O"},
        {"salt", "NaCl", "1 Na, 1 Cl"},
        {"ozone", "O3", "3 O"},
        {"propane", "C3H8", "3 C, 8 H"},
        {"sulfuric acid", "H2SO4", "2 H, 1 S, 4 O"}
    };

    static String chemistry(Random rng) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            String[] m = MOLECULES[rng.nextInt(MOLECULES.length)];
            int n = rng.nextInt(5) + 1;
            s.append(n)
                    .append(' ')
                    .append(m[1])
                    .append(" (")
                    .append(m[0])
                    .append(") has ")
                    .append(m[2])
                    .append(" per molecule. ");
        }
        return s.toString().strip();
    }

    private static final String[] NAMES = {"xs", "ys", "items", "vals", "ids", "nums"};

    static String code(Random rng) {
        String name = pick(NAMES, rng);
        int n = rng.nextInt(4) + 3;
        int[] v = new int[n];
        int sum = 0;
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextInt(20);
            sum += v[i];
        }
        return name + " = " + Arrays.toString(v) + "\nlen(" + name + ") == " + n + "\nsum(" + name + ") == " + sum
                + "\n" + name + "[0] == " + v[0];
    }

    private static final String[] CITIES = {"Oslo", "Lima", "Cairo", "Perth", "Quito", "Turin", "Accra", "Riga"};
    private static final String[] SKIES = {"sunny", "cloudy", "rain", "snow", "fog", "storm"};
    private static final String[] WINDS = {"N", "NE", "E", "SE", "S", "SW", "W", "NW"};

    static String weather(Random rng) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            s.append(pick(CITIES, rng))
                    .append(": ")
                    .append(rng.nextInt(40) - 5)
                    .append(" C, ")
                    .append(pick(SKIES, rng))
                    .append(", wind ")
                    .append(rng.nextInt(30) + 2)
                    .append(" km/h ")
                    .append(pick(WINDS, rng))
                    .append(". ");
        }
        return s.toString().strip();
    }

    private static String pick(String[] options, Random rng) {
        return options[rng.nextInt(options.length)];
    }

    private static List<String> paragraphs() {
        try (InputStream in = Domains.class.getClassLoader().getResourceAsStream("corpus/general.txt")) {
            if (in == null) {
                throw new IllegalStateException("resource corpus/general.txt is missing from cpt-mixing");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return Arrays.stream(text.split("\\n\\s*\\n"))
                    .map(String::strip)
                    .filter(p -> !p.isEmpty())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

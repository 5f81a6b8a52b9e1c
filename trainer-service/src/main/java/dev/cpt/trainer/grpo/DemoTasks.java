package dev.cpt.trainer.grpo;

import dev.cpt.contracts.GrpoTaskExample;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Tasks whose references the project makes itself, so GRPO has a reward without any outside data: arithmetic
 * ("What is 17 + 25?" / "17 plus 25 equals 42.") and unit conversion ("How many cm are in 3 m?" / "3 meters is 300
 * centimeters."). Questions are drawn without repeats from a seeded generator, so a seed fixes the examples and
 * the train / held-out split. They are the same records as a user's tasks ({@link #examples}): demo data in the
 * format a user's JSONL file or topic has.
 */
public final class DemoTasks {
    public static final List<String> NAMES = List.of("arithmetic", "units", "mixed");

    private record Unit(String big, String bigShort, String small, String smallShort, int factor) {}

    private static final List<Unit> UNITS = List.of(
            new Unit("meters", "m", "centimeters", "cm", 100),
            new Unit("kilometers", "km", "meters", "m", 1000),
            new Unit("hours", "h", "minutes", "min", 60),
            new Unit("minutes", "min", "seconds", "s", 60),
            new Unit("kilograms", "kg", "grams", "g", 1000),
            new Unit("liters", "l", "milliliters", "ml", 1000),
            new Unit("days", "d", "hours", "h", 24));

    /** The examples of a task split into those GRPO trains on and those it is measured on. */
    public record Split(List<TaskExample> train, List<TaskExample> heldOut) {}

    private DemoTasks() {}

    /** {@code train + heldOut} distinct examples of {@code task}; the held-out ones are never trained on. */
    public static Split split(String task, int train, int heldOut, long seed) {
        List<TaskExample> all = generate(task, train + heldOut, seed);
        return new Split(List.copyOf(all.subList(0, train)), List.copyOf(all.subList(train, train + heldOut)));
    }

    /**
     * {@link #generate}'s examples as the user's task contract has them, with ids {@code <task>-<seed>-<index>}; the
     * first {@code train} of {@code train + heldOut} are {@link #split}'s training side.
     */
    public static List<GrpoTaskExample> examples(String task, int count, long seed) {
        List<TaskExample> generated = generate(task, count, seed);
        List<GrpoTaskExample> out = new ArrayList<>(generated.size());
        for (int i = 0; i < generated.size(); i++) {
            TaskExample e = generated.get(i);
            out.add(new GrpoTaskExample(task + "-" + seed + "-" + i, e.question(), e.reference()));
        }
        return out;
    }

    /** {@code count} distinct examples of {@code task} (arithmetic, units or mixed). */
    public static List<TaskExample> generate(String task, int count, long seed) {
        if (!NAMES.contains(task)) {
            throw new IllegalArgumentException("unknown task '" + task + "', known: " + NAMES);
        }
        Random rng = new Random(seed);
        Set<TaskExample> out = new LinkedHashSet<>();
        int attempts = 0;
        while (out.size() < count) {
            if (++attempts > count * 50 + 1000) {
                throw new IllegalArgumentException("task " + task + " has fewer than " + count + " distinct questions");
            }
            boolean arithmetic = task.equals("arithmetic") || (task.equals("mixed") && rng.nextBoolean());
            out.add(arithmetic ? arithmetic(rng) : conversion(rng));
        }
        return new ArrayList<>(out);
    }

    static TaskExample arithmetic(Random rng) {
        int a = 1 + rng.nextInt(49);
        int b = 1 + rng.nextInt(49);
        return switch (rng.nextInt(3)) {
            case 0 -> new TaskExample("What is " + a + " + " + b + "?", a + " plus " + b + " equals " + (a + b) + ".");
            case 1 -> {
                int hi = Math.max(a, b);
                int lo = Math.min(a, b);
                yield new TaskExample(
                        "What is " + hi + " - " + lo + "?", hi + " minus " + lo + " equals " + (hi - lo) + ".");
            }
            default -> {
                int x = 1 + rng.nextInt(12);
                int y = 1 + rng.nextInt(12);
                yield new TaskExample("What is " + x + " * " + y + "?", x + " times " + y + " equals " + (x * y) + ".");
            }
        };
    }

    static TaskExample conversion(Random rng) {
        Unit u = UNITS.get(rng.nextInt(UNITS.size()));
        int n = 1 + rng.nextInt(9);
        return new TaskExample(
                String.format(Locale.ROOT, "How many %s in %d %s?", u.smallShort(), n, u.bigShort()),
                String.format(Locale.ROOT, "%d %s is %d %s.", n, u.big(), n * u.factor(), u.small()));
    }
}

package dev.cpt.model.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Command-line plumbing the benchmarks share. */
final class BenchArgs {
    private BenchArgs() {}

    /** {@code --name value} pairs; a name not in {@code known} or a name without a value is refused. */
    static Map<String, String> parse(String[] args, String... known) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!List.of(known).contains(args[i]) || i + 1 == args.length) {
                throw new IllegalArgumentException(
                        "unknown argument or missing value: " + args[i] + "; known: " + String.join(" ", known));
            }
            values.put(args[i], args[i + 1]);
        }
        return values;
    }
}

package dev.cpt.trainer.grpo;

import com.fasterxml.jackson.core.exc.StreamReadException;
import dev.cpt.contracts.GrpoTaskExample;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.MalformedMessageException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A user's GRPO examples as they are read, one JSON {@link GrpoTaskExample} per line or record, in source order. A
 * line that is not one is kept apart with the reason and its kind ({@value #NOT_JSON}, {@value #INVALID} for a field
 * missing, blank or of the wrong type, {@value #DUPLICATE_ID} for an id seen before in the same source, where the
 * first one wins), for the caller to dead-letter and count.
 */
public final class TaskLines {
    public static final String NOT_JSON = "not-json";
    public static final String INVALID = "invalid";
    public static final String DUPLICATE_ID = "duplicate-id";

    /** A line refused: its key (null for a file's line), the line as it was, why, and the kind of reason. */
    public record Rejected(String key, String line, String reason, String kind) {}

    private final List<GrpoTaskExample> examples = new ArrayList<>();
    private final List<Rejected> rejected = new ArrayList<>();
    private final Set<String> ids = new HashSet<>();

    /** Every line of a JSONL file; blank lines (such as a trailing one) are no examples and are skipped. */
    public static TaskLines ofFile(Path file) throws IOException {
        TaskLines lines = new TaskLines();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int number = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                number++;
                if (!line.isBlank()) {
                    lines.add("line " + number + " of " + file, null, line);
                }
            }
        }
        return lines;
    }

    /** Reads one line or record, {@code where} naming it in a refusal's reason. */
    public void add(String where, String key, String line) {
        GrpoTaskExample example;
        try {
            example = Json.read(line, GrpoTaskExample.class);
        } catch (MalformedMessageException e) {
            boolean unparsable = e.getCause() == null || e.getCause() instanceof StreamReadException;
            rejected.add(new Rejected(key, line, where + ": " + e.getMessage(), unparsable ? NOT_JSON : INVALID));
            return;
        }
        if (!ids.add(example.id())) {
            rejected.add(new Rejected(key, line, where + ": id '" + example.id() + "' was given before", DUPLICATE_ID));
            return;
        }
        examples.add(example);
    }

    /** The valid examples, in source order. */
    public List<GrpoTaskExample> examples() {
        return List.copyOf(examples);
    }

    public List<Rejected> rejected() {
        return List.copyOf(rejected);
    }
}

package dev.cpt.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/** Typed reads of one JSON object of a {@code config.json}, with messages that name the file and the key. */
record ConfigFields(JsonNode node, String source) {

    boolean present(String key) {
        return node.hasNonNull(key);
    }

    int requiredInt(String key) throws IOException {
        JsonNode v = node.get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IOException(source + ": missing integer " + key);
        }
        return v.asInt();
    }

    int integer(String key, int fallback) throws IOException {
        return present(key) ? requiredInt(key) : fallback;
    }

    double requiredNumber(String key) throws IOException {
        JsonNode v = node.get(key);
        if (v == null || !v.isNumber()) {
            throw new IOException(source + ": missing number " + key);
        }
        return v.asDouble();
    }

    double number(String key, double fallback) throws IOException {
        return present(key) ? requiredNumber(key) : fallback;
    }

    boolean bool(String key, boolean fallback) throws IOException {
        if (!present(key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.isBoolean()) {
            throw new IOException(source + ": " + key + " must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    String text(String key, String fallback) throws IOException {
        if (!present(key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.isTextual()) {
            throw new IOException(source + ": " + key + " must be a string, got " + v);
        }
        return v.asText();
    }

    /** The refusal of a value this module cannot compute faithfully, listing what it can. */
    IOException unsupported(String what, String supported) {
        return new IOException(source + ": " + what + " (supported: " + supported + ")");
    }
}

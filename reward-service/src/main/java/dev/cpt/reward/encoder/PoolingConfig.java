package dev.cpt.reward.encoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The {@code config.json} of sentence-transformers' Pooling module (usually {@code 1_Pooling/config.json}). Reads
 * both layouts: sentence-transformers 6 writes one {@code pooling_mode} string ({@code "mean"}), 5.x and older write
 * one boolean per mode ({@code pooling_mode_mean_tokens: true}). Exactly one supported mode must be chosen; any
 * other (mean_sqrt_len_tokens, weightedmean, lasttoken) or a concatenation of several is refused by name. Writes the
 * 5.x layout, which version 6 reads too.
 */
final class PoolingConfig {
    static final String FILE = "config.json";
    /** Every {@code pooling_mode_*} flag sentence-transformers 5.x writes, in its order. */
    private static final List<String> FLAGS = List.of(
            "pooling_mode_cls_token",
            "pooling_mode_mean_tokens",
            "pooling_mode_max_tokens",
            "pooling_mode_mean_sqrt_len_tokens",
            "pooling_mode_weightedmean_tokens",
            "pooling_mode_lasttoken");

    private static final ObjectMapper JSON = new ObjectMapper();

    private PoolingConfig() {}

    static Pooling read(Path file, int hiddenSize) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " is missing: modules.json lists a Pooling module there");
        }
        JsonNode root = JSON.readTree(file.toFile());
        for (String field : List.of("embedding_dimension", "word_embedding_dimension")) {
            JsonNode width = root.get(field);
            if (width != null && width.asInt() != hiddenSize) {
                throw new IOException(
                        file + ": " + field + " is " + width + " but the BERT's hidden_size is " + hiddenSize);
            }
        }
        JsonNode mode = root.get("pooling_mode");
        return mode != null ? fromMode(mode, file) : fromFlags(root, file);
    }

    private static Pooling fromMode(JsonNode mode, Path file) throws IOException {
        for (Pooling p : Pooling.values()) {
            if (mode.isTextual() && p.mode().equals(mode.asText())) {
                return p;
            }
        }
        throw new IOException(
                file + ": pooling_mode " + mode + " is not supported; supported (one of): " + Pooling.supported());
    }

    private static Pooling fromFlags(JsonNode root, Path file) throws IOException {
        List<Pooling> chosen = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!field.getKey().startsWith("pooling_mode_") || !field.getValue().asBoolean(false)) {
                continue;
            }
            Pooling p = byFlag(field.getKey());
            if (p == null) {
                throw new IOException(file + ": " + field.getKey() + " is true, which is not supported; supported: "
                        + Pooling.supported());
            }
            chosen.add(p);
        }
        if (chosen.size() != 1) {
            throw new IOException(file + ": " + (chosen.isEmpty() ? "no pooling mode is" : chosen + " are all")
                    + " true; exactly one of these is supported (no concatenation): " + Pooling.supported());
        }
        return chosen.get(0);
    }

    private static Pooling byFlag(String flag) {
        for (Pooling p : Pooling.values()) {
            if (p.flag().equals(flag)) {
                return p;
            }
        }
        return null;
    }

    static void write(Path file, Pooling pooling, int hiddenSize) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("word_embedding_dimension", hiddenSize);
        for (String flag : FLAGS) {
            root.put(flag, flag.equals(pooling.flag()));
        }
        root.put("include_prompt", true);
        Files.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }
}

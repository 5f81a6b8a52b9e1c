package dev.cpt.common.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * The ids of the begin- and end-of-sequence tokens, as a Hugging Face model directory states them.
 *
 * <p>Each is looked up in this order, and the first file that names it wins: {@code tokenizer_config.json} and
 * {@code special_tokens_map.json} ({@code bos_token}/{@code eos_token}, a string or an object with {@code content},
 * resolved to an id through {@code tokenizer.json}), then {@code tokenizer_info.json} (this project's record of a
 * checkpoint's tokenizer), {@code generation_config.json} and {@code config.json} ({@code bos_token_id}/
 * {@code eos_token_id}; of a list, the first). The tokenizer's own files come first because
 * they say what the text was cut with; a file that leaves a token out or sets it to null passes the question on, as
 * Qwen2's tokenizer has no BOS while its config.json names one. A name that is not in {@code tokenizer.json}, or an
 * id outside it, is an error naming the file; without a {@code tokenizer.json} only the ids are read.
 */
public record SpecialTokens(OptionalInt bos, OptionalInt eos) {

    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    public static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";
    public static final String GENERATION_CONFIG = "generation_config.json";
    public static final String MODEL_CONFIG = "config.json";
    /** Written beside a checkpoint's tokenizer by cpt-model's {@code TokenizerStore}, with the ids it knows. */
    public static final String TOKENIZER_INFO = "tokenizer_info.json";

    public static final SpecialTokens NONE = new SpecialTokens(OptionalInt.empty(), OptionalInt.empty());

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads {@code dir}'s files; token names are resolved through {@code dir/tokenizer.json} when they need it. */
    public static SpecialTokens read(Path dir) throws IOException {
        return read(dir, readIfPresent(dir.resolve(TokenizerIdentity.FILE)));
    }

    /** As {@link #read(Path)}, with {@code tokenizer.json} already parsed (missing node when there is none). */
    public static SpecialTokens read(Path dir, JsonNode tokenizerJson) throws IOException {
        return new SpecialTokens(find(dir, tokenizerJson, "bos"), find(dir, tokenizerJson, "eos"));
    }

    private static OptionalInt find(Path dir, JsonNode tokenizerJson, String which) throws IOException {
        String field = which + "_token";
        Path tokenizerFile = dir.resolve(TokenizerIdentity.FILE);
        // a token name means nothing without the vocabulary it names (a tokenizer.model-only directory)
        for (String name :
                tokenizerJson.isMissingNode() ? List.<String>of() : List.of(TOKENIZER_CONFIG, SPECIAL_TOKENS_MAP)) {
            Path file = dir.resolve(name);
            JsonNode token = readIfPresent(file).path(field);
            String content =
                    token.isTextual() ? token.asText() : token.path("content").asText(null);
            if (content != null) {
                return OptionalInt.of(idOf(tokenizerJson, content)
                        .orElseThrow(() -> new IOException(
                                file + ": " + field + " '" + content + "' is not a token of " + tokenizerFile)));
            }
        }
        for (String name : List.of(TOKENIZER_INFO, GENERATION_CONFIG, MODEL_CONFIG)) {
            Path file = dir.resolve(name);
            JsonNode id = readIfPresent(file).path(field + "_id");
            // Llama 3 Instruct's generation_config.json lists every id that ends a turn; the first is end_of_text
            JsonNode first = id.isArray() ? id.path(0) : id;
            if (first.isInt()) {
                requireTokenId(first.asInt(), tokenizerJson, file + ": " + field + "_id", tokenizerFile);
                return OptionalInt.of(first.asInt());
            }
        }
        return OptionalInt.empty();
    }

    private static void requireTokenId(int id, JsonNode tokenizerJson, String what, Path tokenizerFile)
            throws IOException {
        if (tokenizerJson.isMissingNode()) {
            return;
        }
        int size = TokenizerIdentity.vocabSizeOf(tokenizerJson);
        if (id < 0 || id >= size) {
            throw new IOException(what + " " + id + " is not one of the " + size + " ids of " + tokenizerFile);
        }
    }

    /** The id of {@code content} in a parsed {@code tokenizer.json}: an added token or a model vocabulary entry. */
    static OptionalInt idOf(JsonNode tokenizerJson, String content) {
        for (JsonNode added : tokenizerJson.path("added_tokens")) {
            if (content.equals(added.path("content").asText(null))) {
                return OptionalInt.of(added.path("id").asInt());
            }
        }
        JsonNode vocab = tokenizerJson.path("model").path("vocab");
        if (vocab.isObject() && vocab.path(content).isInt()) {
            return OptionalInt.of(vocab.path(content).asInt());
        }
        // Unigram: a list of [piece, score], the id is the index
        for (int i = 0; vocab.isArray() && i < vocab.size(); i++) {
            if (content.equals(vocab.path(i).path(0).asText(null))) {
                return OptionalInt.of(i);
            }
        }
        return OptionalInt.empty();
    }

    private static JsonNode readIfPresent(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return MissingNode.getInstance();
        }
        return parse(Files.readAllBytes(file), file.toString());
    }

    /** Parses JSON, naming {@code source} when it is not JSON. */
    public static JsonNode parse(byte[] json, String source) throws IOException {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IOException(source + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}

package dev.cpt.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Persists which tokenizer a model uses: {@code tokenizer_info.json} names the kind, and a Hugging
 * Face tokenizer's own {@code tokenizer.json} is copied next to it.
 */
public final class TokenizerStore {

    public static final String INFO_FILE = "tokenizer_info.json";
    public static final String HF_FILE = "tokenizer.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TokenizerStore() {}

    /** Writes the description into {@code dir}; returns the file names written. */
    public static List<String> write(Tokenizer tokenizer, Path dir) throws IOException {
        List<String> files = new ArrayList<>();
        ObjectNode info = JSON.createObjectNode();
        info.put("name", tokenizer.name());
        info.put("vocab_size", tokenizer.vocabSize());
        if (tokenizer instanceof ByteTokenizer) {
            info.put("type", "byte");
        } else if (tokenizer instanceof HuggingFaceTokenizerAdapter hf) {
            info.put("type", "huggingface");
            info.put("file", HF_FILE);
            Files.write(dir.resolve(HF_FILE), hf.json());
            files.add(HF_FILE);
        } else {
            throw new IllegalArgumentException("cannot persist tokenizer "
                    + tokenizer.getClass().getName() + "; use ByteTokenizer or HuggingFaceTokenizerAdapter");
        }
        Files.write(dir.resolve(INFO_FILE), JSON.writeValueAsBytes(info));
        files.add(INFO_FILE);
        return files;
    }

    /** Restores the tokenizer described in {@code dir}. */
    public static Tokenizer read(Path dir) throws IOException {
        JsonNode info = JSON.readTree(dir.resolve(INFO_FILE).toFile());
        String type = info.path("type").asText();
        Tokenizer tok = switch (type) {
            case "byte" -> ByteTokenizer.INSTANCE;
            case "huggingface" ->
                HuggingFaceTokenizerAdapter.load(dir.resolve(info.path("file").asText(HF_FILE)));
            default -> throw new IOException(INFO_FILE + ": unknown tokenizer type '" + type + "'");
        };
        if (tok.vocabSize() != info.path("vocab_size").asInt(-1)) {
            throw new IOException(INFO_FILE + ": vocab_size " + info.path("vocab_size")
                    + " does not match the tokenizer (" + tok.vocabSize() + ")");
        }
        return tok;
    }
}

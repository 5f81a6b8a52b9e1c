package dev.cpt.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cpt.common.tokenizer.SpecialTokens;
import dev.cpt.common.tokenizer.TokenizerIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Persists which tokenizer a model uses: {@code tokenizer_info.json} names the kind, and a Hugging
 * Face tokenizer's own {@code tokenizer.json} is copied next to it.
 */
public final class TokenizerStore {

    public static final String INFO_FILE = SpecialTokens.TOKENIZER_INFO;
    public static final String HF_FILE = TokenizerIdentity.FILE;

    private static final String BOS_ID = "bos_token_id";
    private static final String EOS_ID = "eos_token_id";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TokenizerStore() {}

    /** Writes the description into {@code dir}; returns the file names written. */
    public static List<String> write(Tokenizer tokenizer, Path dir) throws IOException {
        List<String> files = new ArrayList<>();
        ObjectNode info = JSON.createObjectNode();
        info.put("name", tokenizer.name());
        info.put("vocab_size", tokenizer.vocabSize());
        tokenizer.bos().ifPresent(id -> info.put(BOS_ID, id));
        tokenizer.eos().ifPresent(id -> info.put(EOS_ID, id));
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
        Path infoFile = dir.resolve(INFO_FILE);
        if (!Files.isRegularFile(infoFile)) {
            throw new IOException("no " + INFO_FILE + " in " + dir);
        }
        JsonNode info = SpecialTokens.parse(Files.readAllBytes(infoFile), infoFile.toString());
        String type = info.path("type").asText();
        Tokenizer tok = switch (type) {
            case "byte" -> ByteTokenizer.INSTANCE;
            case "huggingface" -> readHuggingFace(dir, infoFile, info);
            default -> throw new IOException(infoFile + ": unknown tokenizer type '" + type + "'");
        };
        if (tok.vocabSize() != info.path("vocab_size").asInt(-1)) {
            if (tok instanceof HuggingFaceTokenizerAdapter hf) {
                hf.close();
            }
            throw new IOException(infoFile + ": vocab_size " + info.path("vocab_size")
                    + " does not match the tokenizer (" + tok.vocabSize() + ")");
        }
        return tok;
    }

    private static Tokenizer readHuggingFace(Path dir, Path infoFile, JsonNode info) throws IOException {
        Path file = dir.resolve(info.path("file").asText(HF_FILE));
        if (!Files.isRegularFile(file)) {
            throw new IOException(infoFile + " names " + file.getFileName() + ", which is missing: " + file);
        }
        // the ids written beside the tokenizer, not the neighbouring files: a checkpoint's config.json is not an HF one
        SpecialTokens specials = new SpecialTokens(optionalId(info.path(BOS_ID)), optionalId(info.path(EOS_ID)));
        return HuggingFaceTokenizerAdapter.fromJson(Files.readAllBytes(file), specials, file.toString());
    }

    private static OptionalInt optionalId(JsonNode id) {
        return id.isInt() ? OptionalInt.of(id.asInt()) : OptionalInt.empty();
    }
}

package dev.cpt.model.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cpt.model.DecoderConfig;
import dev.cpt.model.GptConfig;
import dev.cpt.model.LlamaConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a Hugging Face {@code config.json} of any supported family, chosen by its {@code model_type}. */
public final class DecoderConfigJson {

    /** Every {@code model_type} this module can build a decoder for. */
    public static final List<String> SUPPORTED_MODEL_TYPES = supported();

    private static final ObjectMapper JSON = new ObjectMapper();

    private DecoderConfigJson() {}

    /** Reads {@code file}; every error names it by its path, so a message tells which directory is at fault. */
    public static DecoderConfig read(Path file) throws IOException {
        String source = file.toString();
        JsonNode n;
        try {
            n = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (n == null || !n.isObject()) {
            throw new IOException(source + " is not a JSON object");
        }
        JsonNode type = n.get("model_type");
        String supported = String.join(", ", SUPPORTED_MODEL_TYPES);
        if (type == null || !type.isTextual()) {
            throw new IOException(source + ": no model_type (supported: " + supported + ")");
        }
        if (type.asText().equals(GptConfig.MODEL_TYPE)) {
            return Gpt2ConfigJson.read(file);
        }
        if (LlamaConfig.MODEL_TYPES.contains(type.asText())) {
            return LlamaConfigJson.read(n, source);
        }
        throw new IOException(
                source + ": model_type " + type.asText() + " is not supported (supported: " + supported + ")");
    }

    private static List<String> supported() {
        List<String> all = new ArrayList<>();
        all.add(GptConfig.MODEL_TYPE);
        all.addAll(LlamaConfig.MODEL_TYPES);
        return List.copyOf(all);
    }
}

package dev.cpt.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cpt.common.io.Dtype;
import dev.cpt.model.GptConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code config.json} in Hugging Face GPT-2 terms ({@code n_embd}, {@code n_layer}, ...). */
public final class Gpt2ConfigJson {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Gpt2ConfigJson() {}

    public static byte[] toBytes(GptConfig c) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.putArray("architectures").add("GPT2LMHeadModel");
        n.put("model_type", "gpt2");
        n.put("vocab_size", c.vocabSize());
        n.put("n_positions", c.contextLength());
        n.put("n_ctx", c.contextLength());
        n.put("n_embd", c.embedDim());
        n.put("n_layer", c.layers());
        n.put("n_head", c.heads());
        n.putNull("n_inner");
        n.put("activation_function", "gelu_new");
        n.put("layer_norm_epsilon", (double) c.layerNormEpsilon());
        n.put("tie_word_embeddings", true);
        n.put("torch_dtype", Dtype.F32.torchName());
        return JSON.writeValueAsBytes(n);
    }

    public static void write(Path file, GptConfig c) throws IOException {
        Files.write(file, toBytes(c));
    }

    public static GptConfig read(Path file) throws IOException {
        JsonNode n = JSON.readTree(file.toFile());
        if (n == null || !n.isObject()) {
            throw new IOException(file + " is not a JSON object");
        }
        int nEmbd = requiredInt(n, "n_embd", file);
        JsonNode inner = n.get("n_inner");
        if (inner != null && !inner.isNull() && inner.asInt() != 4 * nEmbd) {
            throw new IOException(file + ": n_inner=" + inner.asInt() + " unsupported (must be 4*n_embd)");
        }
        JsonNode act = n.get("activation_function");
        if (act != null
                && !act.isNull()
                && !act.asText().equals("gelu_new")
                && !act.asText().equals("gelu_pytorch_tanh")) {
            throw new IOException(
                    file + ": activation_function " + act.asText() + " unsupported (GELU tanh approximation only)");
        }
        double eps = n.has("layer_norm_epsilon") ? n.get("layer_norm_epsilon").asDouble() : 1e-5;
        return new GptConfig(
                requiredInt(n, "vocab_size", file),
                requiredInt(n, "n_positions", file),
                requiredInt(n, "n_layer", file),
                requiredInt(n, "n_head", file),
                nEmbd,
                (float) eps);
    }

    private static int requiredInt(JsonNode n, String key, Path file) throws IOException {
        JsonNode v = n.get(key);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IOException(file + ": missing integer " + key);
        }
        return v.asInt();
    }
}

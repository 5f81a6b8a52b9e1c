package dev.cpt.reward.encoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shape of a BERT encoder, read from and written to a Hugging Face {@code config.json} (BertConfig field names).
 *
 * @param vocabSize rows of the word-embedding table
 * @param hiddenSize width of the residual stream and of the sentence embedding
 * @param layers number of post-LN transformer blocks
 * @param heads attention heads per block; must divide {@code hiddenSize}
 * @param intermediateSize width of the GELU feed-forward layer
 * @param maxPositions learned positions; longer inputs are truncated to this many tokens
 * @param typeVocabSize rows of the token-type (segment) table
 * @param layerNormEps LayerNorm epsilon
 */
public record BertConfig(
        int vocabSize,
        int hiddenSize,
        int layers,
        int heads,
        int intermediateSize,
        int maxPositions,
        int typeVocabSize,
        float layerNormEps) {
    public static final String FILE = "config.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public BertConfig {
        if (vocabSize < 1
                || hiddenSize < 1
                || layers < 1
                || heads < 1
                || intermediateSize < 1
                || maxPositions < 2
                || typeVocabSize < 1) {
            throw new IllegalArgumentException("every BERT dimension must be positive: " + this);
        }
        if (hiddenSize % heads != 0) {
            throw new IllegalArgumentException(
                    "hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + heads);
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layer_norm_eps must be > 0, got " + layerNormEps);
        }
    }

    public BertConfig withVocabSize(int vocab) {
        return new BertConfig(
                vocab, hiddenSize, layers, heads, intermediateSize, maxPositions, typeVocabSize, layerNormEps);
    }

    public static BertConfig read(Path file) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        String act = root.path("hidden_act").asText("gelu");
        if (!act.equals("gelu")) {
            // BERT checkpoints use the exact (erf) GELU; the tanh or other activations would give other numbers
            throw new IOException(file + ": hidden_act " + act + " is not supported (only gelu)");
        }
        String type = root.path("model_type").asText("bert");
        if (!type.equals("bert")) {
            throw new IOException(file + ": model_type " + type + " is not a BERT encoder");
        }
        return new BertConfig(
                required(root, "vocab_size", file),
                required(root, "hidden_size", file),
                required(root, "num_hidden_layers", file),
                required(root, "num_attention_heads", file),
                required(root, "intermediate_size", file),
                required(root, "max_position_embeddings", file),
                root.path("type_vocab_size").asInt(2),
                (float) root.path("layer_norm_eps").asDouble(1e-12));
    }

    public void write(Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("architectures").add("BertModel");
        root.put("model_type", "bert");
        root.put("vocab_size", vocabSize);
        root.put("hidden_size", hiddenSize);
        root.put("num_hidden_layers", layers);
        root.put("num_attention_heads", heads);
        root.put("intermediate_size", intermediateSize);
        root.put("hidden_act", "gelu");
        // dropout is not used here: training relies on the pair augmentations instead
        root.put("hidden_dropout_prob", 0.0);
        root.put("attention_probs_dropout_prob", 0.0);
        root.put("max_position_embeddings", maxPositions);
        root.put("type_vocab_size", typeVocabSize);
        root.put("layer_norm_eps", layerNormEps);
        root.put("pad_token_id", 0);
        Files.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }

    private static int required(JsonNode root, String field, Path file) throws IOException {
        JsonNode v = root.get(field);
        if (v == null || !v.isIntegralNumber()) {
            throw new IOException(file + ": " + field + " is missing or not an integer");
        }
        return v.asInt();
    }
}

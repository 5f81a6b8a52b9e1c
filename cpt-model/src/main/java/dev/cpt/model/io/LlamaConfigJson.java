package dev.cpt.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cpt.common.io.Dtype;
import dev.cpt.model.LlamaConfig;
import dev.cpt.model.RopeScaling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code config.json} of the Llama family in Hugging Face terms ({@code hidden_size}, {@code num_key_value_heads},
 * {@code rope_scaling}, ...). Keys a file leaves out take the defaults of the family's Hugging Face config class.
 * Anything this decoder would compute differently from Hugging Face is refused with a message that names it.
 */
public final class LlamaConfigJson {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static final Map<String, String> ARCHITECTURES = Map.of(
            LlamaConfig.LLAMA, "LlamaForCausalLM",
            LlamaConfig.QWEN2, "Qwen2ForCausalLM",
            LlamaConfig.MISTRAL, "MistralForCausalLM");

    /** {@code max_position_embeddings} when absent, as each Hugging Face config class defaults it. */
    private static final Map<String, Integer> DEFAULT_POSITIONS = Map.of(
            LlamaConfig.LLAMA, 2048,
            LlamaConfig.QWEN2, 32768,
            LlamaConfig.MISTRAL, 4096 * 32);

    private static final double DEFAULT_ROPE_THETA = 10_000;
    private static final double DEFAULT_RMS_NORM_EPS = 1e-6;

    private LlamaConfigJson() {}

    public static void write(Path file, LlamaConfig c) throws IOException {
        Files.write(file, toBytes(c));
    }

    public static byte[] toBytes(LlamaConfig c) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.putArray("architectures").add(ARCHITECTURES.get(c.modelType()));
        n.put("model_type", c.modelType());
        n.put("vocab_size", c.vocabSize());
        n.put("max_position_embeddings", c.contextLength());
        n.put("hidden_size", c.hiddenSize());
        n.put("intermediate_size", c.intermediateSize());
        n.put("num_hidden_layers", c.layers());
        n.put("num_attention_heads", c.heads());
        n.put("num_key_value_heads", c.kvHeads());
        n.put("head_dim", c.headDim());
        n.put("hidden_act", "silu");
        // through the float's shortest decimal form, so 1e-6f is written as 1.0E-6 rather than 9.99999997E-7
        n.put("rms_norm_eps", Double.parseDouble(Float.toString(c.rmsNormEps())));
        n.put("rope_theta", c.ropeTheta());
        writeRopeScaling(n, c.ropeScaling());
        n.put("tie_word_embeddings", c.tieWordEmbeddings());
        switch (c.modelType()) {
            case LlamaConfig.LLAMA -> {
                n.put("attention_bias", c.qkvBias());
                n.put("mlp_bias", false);
            }
            case LlamaConfig.QWEN2 -> n.put("use_sliding_window", false);
            default -> n.putNull("sliding_window");
        }
        n.put("torch_dtype", Dtype.F32.torchName());
        return JSON.writeValueAsBytes(n);
    }

    private static void writeRopeScaling(ObjectNode n, RopeScaling scaling) {
        if (scaling instanceof RopeScaling.Linear linear) {
            ObjectNode s = n.putObject("rope_scaling");
            s.put("rope_type", linear.type());
            s.put("factor", linear.factor());
        } else if (scaling instanceof RopeScaling.Llama3 llama3) {
            ObjectNode s = n.putObject("rope_scaling");
            s.put("rope_type", llama3.type());
            s.put("factor", llama3.factor());
            s.put("low_freq_factor", llama3.lowFreqFactor());
            s.put("high_freq_factor", llama3.highFreqFactor());
            s.put("original_max_position_embeddings", llama3.originalMaxPositionEmbeddings());
        } else {
            n.putNull("rope_scaling");
        }
    }

    /**
     * Reads a Llama-family {@code config.json} ({@code model_type} {@code llama}, {@code qwen2} or {@code mistral}).
     *
     * @param source names the file in messages
     */
    public static LlamaConfig read(JsonNode n, String source) throws IOException {
        String type = n.path("model_type").asText();
        ConfigFields f = new ConfigFields(n, source);
        if (!LlamaConfig.MODEL_TYPES.contains(type)) {
            throw f.unsupported(
                    "model_type " + type + " is not a Llama-family type", String.join(", ", LlamaConfig.MODEL_TYPES));
        }
        String act = f.text("hidden_act", "silu");
        if (!act.equals("silu")) {
            throw f.unsupported("hidden_act " + act + " is not supported for " + type, "silu");
        }
        if (f.bool("mlp_bias", false)) {
            throw f.unsupported("mlp_bias true is not supported", "false");
        }
        if (f.present("quantization_config")) {
            throw f.unsupported("quantization_config is not supported", "unquantized F32 weights");
        }
        int positions = f.integer("max_position_embeddings", DEFAULT_POSITIONS.get(type));
        refuseSlidingWindow(type, f, positions);
        JsonNode rope = n.path("rope_parameters");
        ConfigFields ropeFields = rope.isObject() ? new ConfigFields(rope, source + ": rope_parameters") : f;
        double partial = ropeFields.number("partial_rotary_factor", 1.0);
        if (partial != 1.0) {
            throw f.unsupported("partial_rotary_factor " + partial + " is not supported", "1.0");
        }
        double theta = ropeFields.number("rope_theta", DEFAULT_ROPE_THETA);
        RopeScaling scaling = new RopeScaling.None();
        if (rope.isObject()) {
            scaling = ropeScaling(ropeFields);
        } else if (n.path("rope_scaling").isObject()) {
            scaling = ropeScaling(new ConfigFields(n.get("rope_scaling"), source + ": rope_scaling"));
        }
        int hidden = f.requiredInt("hidden_size");
        int heads = f.requiredInt("num_attention_heads");
        boolean llamaBias = type.equals(LlamaConfig.LLAMA) && f.bool("attention_bias", false);
        boolean qkvBias = type.equals(LlamaConfig.QWEN2) || llamaBias;
        try {
            return new LlamaConfig(
                    type,
                    f.requiredInt("vocab_size"),
                    positions,
                    hidden,
                    f.requiredInt("intermediate_size"),
                    f.requiredInt("num_hidden_layers"),
                    heads,
                    f.integer("num_key_value_heads", heads),
                    f.integer("head_dim", heads > 0 ? hidden / heads : 0),
                    (float) f.number("rms_norm_eps", DEFAULT_RMS_NORM_EPS),
                    theta,
                    scaling,
                    f.bool("tie_word_embeddings", false),
                    qkvBias,
                    llamaBias);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
    }

    /** Sliding-window attention would mask positions this decoder attends to, so a window that can bite is refused. */
    private static void refuseSlidingWindow(String type, ConfigFields f, int positions) throws IOException {
        if (type.equals(LlamaConfig.QWEN2) && f.bool("use_sliding_window", false)) {
            throw f.unsupported("use_sliding_window true (sliding-window attention) is not supported", "false");
        }
        if (type.equals(LlamaConfig.MISTRAL) && f.present("sliding_window")) {
            int window = f.requiredInt("sliding_window");
            if (window < positions) {
                throw f.unsupported(
                        "sliding_window " + window + " (below max_position_embeddings " + positions
                                + ") is not supported",
                        "null, or at least max_position_embeddings");
            }
        }
    }

    /** {@code rope_scaling} (or transformers 5's {@code rope_parameters}), keyed by {@code rope_type} or {@code type}. */
    private static RopeScaling ropeScaling(ConfigFields s) throws IOException {
        String type = s.present("rope_type") ? s.text("rope_type", "") : s.text("type", "default");
        try {
            return switch (type) {
                case "default" -> new RopeScaling.None();
                case "linear" -> new RopeScaling.Linear(s.requiredNumber("factor"));
                case "llama3" ->
                    new RopeScaling.Llama3(
                            s.requiredNumber("factor"),
                            s.requiredNumber("low_freq_factor"),
                            s.requiredNumber("high_freq_factor"),
                            s.requiredInt("original_max_position_embeddings"));
                default -> throw s.unsupported("rope type " + type + " is not supported", RopeScaling.SUPPORTED);
            };
        } catch (IllegalArgumentException e) {
            throw new IOException(s.source() + ": " + e.getMessage(), e);
        }
    }
}

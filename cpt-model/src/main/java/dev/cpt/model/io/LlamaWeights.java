package dev.cpt.model.io;

import dev.cpt.common.io.SafeTensors.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Llama-family tensors as Hugging Face files hold them: the model's own names and layouts ({@code torch.nn.Linear}
 * weights are [out, in] on disk as in memory), so only the file's extra entries need care.
 */
public final class LlamaWeights {

    static final String EMBEDDINGS = "model.embed_tokens.weight";
    static final String LM_HEAD = "lm_head.weight";
    /** Older Llama files store each layer's rotary frequencies as a buffer; they are recomputed from the config. */
    private static final String ROTARY_BUFFER = ".rotary_emb.inv_freq";

    private LlamaWeights() {}

    /**
     * The parameters a file holds: rotary buffers dropped and, for a tied model, a saved {@code lm_head.weight}
     * dropped after checking it equals the embeddings it is tied to.
     */
    public static Map<String, Tensor> normalise(Map<String, Tensor> raw, boolean tied) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : raw.entrySet()) {
            if (!e.getKey().endsWith(ROTARY_BUFFER)) {
                out.put(e.getKey(), e.getValue());
            }
        }
        if (tied && out.containsKey(LM_HEAD)) {
            Tensor head = out.remove(LM_HEAD);
            Tensor embeddings = out.get(EMBEDDINGS);
            if (embeddings == null || !Arrays.equals(embeddings.data(), head.data())) {
                throw new IllegalArgumentException(
                        LM_HEAD + " differs from " + EMBEDDINGS + " but tie_word_embeddings is true");
            }
        }
        return out;
    }
}

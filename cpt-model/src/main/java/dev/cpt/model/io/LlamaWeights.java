package dev.cpt.model.io;

import java.util.Collection;
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
     * How a file's tensors fill the parameters: rotary buffers are ignored and, for a tied model, a saved {@code
     * lm_head.weight} must equal the embeddings it is tied to.
     */
    public static FileBinding bind(Collection<String> names, boolean tied) {
        Map<String, String> parameterOf = new LinkedHashMap<>();
        Map<String, String> mustEqual = new LinkedHashMap<>();
        for (String name : names) {
            if (tied && name.equals(LM_HEAD)) {
                mustEqual.put(name, EMBEDDINGS);
            } else if (!name.endsWith(ROTARY_BUFFER)) {
                parameterOf.put(name, name);
            }
        }
        return new FileBinding(parameterOf, mustEqual);
    }
}

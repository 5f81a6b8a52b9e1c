package dev.cpt.reward.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How the token states of the last layer become one sentence vector: the pooling modes of sentence-transformers'
 * {@code Pooling} module that this encoder implements. Each mode carries its name in both of sentence-transformers'
 * config layouts: the {@code pooling_mode} string (version 6) and the {@code pooling_mode_*} flag (up to 5.x).
 */
public enum Pooling {
    /** The state of the first token ({@code [CLS]}). */
    CLS("cls", "pooling_mode_cls_token"),
    /** The mean over the real tokens; padding counts for nothing. */
    MEAN("mean", "pooling_mode_mean_tokens"),
    /** The per-dimension maximum over the real tokens. */
    MAX("max", "pooling_mode_max_tokens");

    private final String mode;
    private final String flag;

    Pooling(String mode, String flag) {
        this.mode = mode;
        this.flag = flag;
    }

    /** The value of sentence-transformers 6's {@code pooling_mode} field. */
    public String mode() {
        return mode;
    }

    /** The {@code pooling_mode_*} field that sentence-transformers up to 5.x sets true for this mode. */
    public String flag() {
        return flag;
    }

    /** The supported modes, both spellings, for error messages. */
    static String supported() {
        return Arrays.stream(values()).map(p -> p.mode + " (" + p.flag + ")").collect(Collectors.joining(", "));
    }

    /**
     * Pools hidden states [B, T, C] into [B, C]. {@code mask} is [B, T] (1 real token, 0 padding); {@code maskBias} is
     * the attention bias [B, 1, 1, T] (0 real, -1e9 padding), which max pooling uses to rule padding out exactly as
     * sentence-transformers does (padding set to -1e9 before the max).
     */
    NDArray apply(NDArray hidden, NDArray mask, NDArray maskBias) {
        NDArray weights = mask.expandDims(2);
        return switch (this) {
            case CLS -> hidden.get(new NDIndex(":, 0, :"));
            // sum over the real tokens divided by their count
            case MEAN -> hidden.mul(weights).sum(new int[] {1}).div(weights.sum(new int[] {1}));
            // padding becomes exactly -1e9 (0 * x + -1e9), real tokens keep their value (1 * x + 0)
            case MAX ->
                hidden.mul(weights)
                        .add(maskBias.reshape(
                                hidden.getShape().get(0), hidden.getShape().get(1), 1))
                        .max(new int[] {1});
        };
    }
}

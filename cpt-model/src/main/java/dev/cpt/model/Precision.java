package dev.cpt.model;

import ai.djl.ndarray.types.DataType;

/**
 * The number format of a model's matrix products. Weights, gradients and AdamW's moments stay float32 either way (the
 * master copy an update is applied to); {@link #FP16} only changes what the matrix products compute in.
 *
 * <ul>
 *   <li>{@link #FLOAT32}: everything in float32;
 *   <li>{@link #FP16}: every linear projection, the tied output head and the attention's two products take their
 *       operands as float16 and hand their result back as float32, so the residual stream, the norms, the softmax and
 *       the loss stay float32, and each weight's gradient reaches it in float32. Backward runs on the loss times
 *       {@link #lossScale()} (divided out again before the update), so that small gradients survive float16's range;
 *       a step whose scaled gradients overflow is skipped like any step with an infinite gradient norm.
 * </ul>
 *
 * <p>bfloat16, the usual choice on recent GPUs (no loss scale needed), is what PyTorch's autocast would pick; DJL's
 * PyTorch JNI (0.33 and 0.35) maps no data type to it and aborts the JVM on any bfloat16 tensor, so float16 is the
 * closest it allows. Its casts are differentiable {@code index_put_} copies, because DJL's {@code toType} runs under
 * no-grad and would cut the gradient off from the weights.
 */
public enum Precision {
    FLOAT32(DataType.FLOAT32, 1f),
    FP16(DataType.FLOAT16, 1024f);

    private final DataType matmulType;
    private final float lossScale;

    Precision(DataType matmulType, float lossScale) {
        this.matmulType = matmulType;
        this.lossScale = lossScale;
    }

    /** The data type matrix products take their operands in. */
    public DataType matmulType() {
        return matmulType;
    }

    /**
     * What backward multiplies the loss by: 2^10 under float16, whose smallest normal number (6e-5) is above many of
     * a language model's activation gradients; 1 in float32.
     */
    public float lossScale() {
        return lossScale;
    }

    /** The precision a setting names, case-insensitively: {@code float32} or {@code fp16}. */
    public static Precision of(String setting) {
        for (Precision p : values()) {
            if (p.name().equalsIgnoreCase(setting.strip())) {
                return p;
            }
        }
        String why = setting.strip().equalsIgnoreCase("bf16")
                ? " (DJL's PyTorch engine has no bfloat16: fp16 is the mixed precision it allows)"
                : "";
        throw new IllegalArgumentException("precision '" + setting + "': expected float32 or fp16" + why);
    }
}

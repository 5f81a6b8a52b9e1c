package dev.cpt.model.io;

import ai.djl.ndarray.NDArray;
import dev.cpt.common.io.SafeTensors.Tensor;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Maps the model's parameters to and from GPT-2 tensors. GPT-2's {@code Conv1D} stores weights as
 * [in, out]; the model keeps [out, in] (see {@link dev.cpt.model.nn.Linear}), so every
 * {@code *.c_attn.weight}, {@code *.c_proj.weight} and {@code *.c_fc.weight} is transposed.
 */
public final class Gpt2Weights {

    private static final String HF_PREFIX = "transformer.";
    private static final String LM_HEAD = "lm_head.weight";
    private static final String EMBEDDINGS = "wte.weight";
    /** Tensors some GPT-2 files carry that are not weights: causal-mask buffers and the tied head. */
    private static final Set<String> IGNORED_SUFFIXES = Set.of(".attn.bias", ".attn.masked_bias");

    private Gpt2Weights() {}

    /** Whether the parameter is a Conv1D weight, stored [in, out] in GPT-2 files. */
    public static boolean isConv1DWeight(String name) {
        return name.endsWith("c_attn.weight") || name.endsWith("c_proj.weight") || name.endsWith("c_fc.weight");
    }

    /** Converts one tensor of the model (named in GPT-2 terms) to the GPT-2 layout. */
    public static Tensor toGpt2(String name, NDArray array) {
        long[] shape = array.getShape().getShape();
        float[] data = array.toFloatArray();
        if (isConv1DWeight(name)) {
            return new Tensor(new long[] {shape[1], shape[0]}, transpose(data, (int) shape[0], (int) shape[1]));
        }
        return new Tensor(shape, data);
    }

    /**
     * How a GPT-2 file's tensors fill the parameters: an optional {@code transformer.} prefix is stripped, buffers
     * that are not parameters are ignored, and a separate {@code lm_head.weight} must equal {@code wte.weight}, since
     * this model always ties them.
     */
    public static FileBinding bind(Collection<String> names) {
        Map<String, String> parameterOf = new LinkedHashMap<>();
        Map<String, String> mustEqual = new LinkedHashMap<>();
        for (String name : names) {
            if (name.equals(LM_HEAD)) {
                mustEqual.put(name, EMBEDDINGS);
                continue;
            }
            String parameter = name.startsWith(HF_PREFIX) ? name.substring(HF_PREFIX.length()) : name;
            if (IGNORED_SUFFIXES.stream().noneMatch(parameter::endsWith)) {
                parameterOf.put(name, parameter);
            }
        }
        return new FileBinding(parameterOf, mustEqual);
    }

    /** See {@link ParameterTensors#replace}. */
    public static void replace(NDArray target, float[] values) {
        ParameterTensors.replace(target, values);
    }

    static float[] transpose(float[] data, int rows, int cols) {
        float[] out = new float[data.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = data[r * cols + c];
            }
        }
        return out;
    }
}

package dev.cpt.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.cpt.common.io.SafeTensors.Tensor;
import java.util.Arrays;
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
    /** Tensors some GPT-2 files carry that are not weights: causal-mask buffers and the tied head. */
    private static final Set<String> IGNORED_SUFFIXES = Set.of(".attn.bias", ".attn.masked_bias");

    private Gpt2Weights() {}

    static boolean isConv1DWeight(String name) {
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

    /** Converts a GPT-2-layout tensor to this model's layout, checking its shape. */
    public static float[] fromGpt2(String name, Tensor tensor, Shape expected) {
        long[] want = expected.getShape();
        if (isConv1DWeight(name)) {
            long[] swapped = {want[1], want[0]};
            ParameterTensors.requireShape(name, tensor, swapped);
            return transpose(tensor.data(), (int) swapped[0], (int) swapped[1]);
        }
        return ParameterTensors.checked(name, tensor, expected);
    }

    /**
     * Normalises the names of an imported file: strips an optional {@code transformer.} prefix and
     * drops buffers that are not parameters. A separate {@code lm_head.weight} must equal {@code
     * wte.weight}, since this model always ties them.
     */
    public static Map<String, Tensor> normalise(Map<String, Tensor> raw) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Tensor lmHead = null;
        for (Map.Entry<String, Tensor> e : raw.entrySet()) {
            String name = e.getKey();
            if (name.equals("lm_head.weight")) {
                lmHead = e.getValue();
                continue;
            }
            if (name.startsWith(HF_PREFIX)) {
                name = name.substring(HF_PREFIX.length());
            }
            String finalName = name;
            if (IGNORED_SUFFIXES.stream().anyMatch(finalName::endsWith)) {
                continue;
            }
            if (out.put(name, e.getValue()) != null) {
                throw new IllegalArgumentException("tensor " + name + " appears twice (with and without prefix)");
            }
        }
        if (lmHead != null) {
            Tensor wte = out.get("wte.weight");
            if (wte == null || !Arrays.equals(wte.data(), lmHead.data())) {
                throw new IllegalArgumentException(
                        "lm_head.weight differs from wte.weight; untied heads are not supported");
            }
        }
        return out;
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

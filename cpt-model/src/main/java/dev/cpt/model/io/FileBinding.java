package dev.cpt.model.io;

import dev.cpt.common.io.SafeTensors.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How the tensors of a Hugging Face file map onto a model's parameters, as one family reads the file's names.
 *
 * @param parameterOf file tensor name to the parameter it fills; a name no parameter has is an unexpected tensor
 * @param mustEqual file tensor name to the parameter it must equal (a tied head saved anyway); it fills nothing
 */
public record FileBinding(Map<String, String> parameterOf, Map<String, String> mustEqual) {

    /** In-memory tensors renamed to the parameters they fill, after checking each tied copy equals its parameter. */
    public Map<String, Tensor> apply(Map<String, Tensor> file) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        parameterOf.forEach((name, parameter) -> {
            if (out.put(parameter, file.get(name)) != null) {
                throw new IllegalArgumentException("tensor " + parameter + " appears twice (as " + name + ")");
            }
        });
        mustEqual.forEach((name, parameter) -> {
            Tensor tiedTo = out.get(parameter);
            if (tiedTo == null || !Arrays.equals(tiedTo.data(), file.get(name).data())) {
                throw new IllegalArgumentException(
                        name + " differs from " + parameter + ", to which this model ties it");
            }
        });
        return out;
    }
}

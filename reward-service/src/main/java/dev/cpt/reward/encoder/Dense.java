package dev.cpt.reward.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.util.Map;

/** {@code nn.Linear} with Hugging Face names: {@code weight} [out, in] and {@code bias} [out]. */
final class Dense extends AbstractBlock {
    private final int out;
    private final Parameter weight;
    private final Parameter bias;

    Dense(int in, int out, Initializer init) {
        this.out = out;
        weight = addParameter(Parameter.builder()
                .setName("weight")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(out, in))
                .optInitializer(init)
                .build());
        bias = addParameter(Parameter.builder()
                .setName("bias")
                .setType(Parameter.Type.BIAS)
                .optShape(new Shape(out))
                .optInitializer(Initializer.ZEROS)
                .build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        // x @ w^T + b in one addmm kernel
        return x.getNDArrayInternal()
                .linear(x, ps.getValue(weight, x.getDevice(), training), ps.getValue(bias, x.getDevice(), training));
    }

    void collect(String prefix, Map<String, Parameter> into) {
        into.put(prefix + "weight", weight);
        into.put(prefix + "bias", bias);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {s.slice(0, s.dimension() - 1).add(out)};
    }
}
